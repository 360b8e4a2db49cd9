import Foundation
import GatewayStore
import PostgresNIO

/// Where the PostgreSQL database is and how the pool talks to it, read from `store.postgres_url`,
/// `store.pool_size` and `store.statement_timeout`.
public struct PostgresStoreConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var username: String
    /// A secret: never part of `description` or `location`.
    public var password: String?
    public var database: String
    /// Connections the pool may open at once (per process).
    public var poolSize: Int
    /// The server cancels a statement that runs longer (PostgreSQL's `statement_timeout`).
    public var statementTimeout: Duration
    /// TLS for every connection to this server (`sslmode`, `sslrootcert`).
    public var tls: PostgresTLS

    /// Reads a `postgres://user:pass@host:port/db?sslmode=verify-full&sslrootcert=/etc/ocgate/db-ca.pem` URL.
    /// - Throws: `StoreError.unsupported` for a URL that is not one, an `sslmode` ocgate does not take, or an
    ///   `sslrootcert` it cannot read (`PostgresTLS`).
    public init(url: String, poolSize: Int = 10, statementTimeout: Duration = .seconds(30)) throws {
        guard let parts = URLComponents(string: url), ["postgres", "postgresql"].contains(parts.scheme ?? ""),
            let host = parts.host, !host.isEmpty
        else {
            throw StoreError.unsupported("store.postgres_url must look like postgres://user:password@host:5432/database")
        }
        self.tls = try PostgresTLS(query: parts.queryItems ?? [])
        self.host = host
        self.port = parts.port ?? 5432
        self.username = parts.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        self.password = parts.password.flatMap { $0.removingPercentEncoding }
        let path = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        self.database = path.isEmpty ? self.username : path
        self.poolSize = max(1, poolSize)
        self.statementTimeout = statementTimeout
    }

    /// The same server, another database (the tests' admin connection and their per-test databases).
    public func with(database: String) -> Self {
        var copy = self
        copy.database = database
        return copy
    }

    /// Where the data lives, for logs: the URL without its password.
    public var location: String { "postgres://\(username)@\(host):\(port)/\(database)" }

    /// Startup parameters every connection sends: UTC, so no server default leaks in, and a name for
    /// `pg_stat_activity`. Only parameters pgbouncer tracks: it refuses a connection whose startup packet carries any
    /// other (`unsupported startup parameter`), which is why the statement timeout is a `SET` (`sessionSetup`).
    var startupParameters: [(String, String)] { startupParameters(applicationName: "ocgate") }

    func startupParameters(applicationName: String) -> [(String, String)] {
        [("TimeZone", "UTC"), ("application_name", applicationName)]
    }

    /// What a connection that runs the gateway's statements sets before its first one: `store.statement_timeout`.
    /// A `SET` lasts for the server session, which pgbouncer in session mode keeps for the client's connection.
    var sessionSetup: PostgresQuery {
        PostgresQuery(unsafeSQL: "SET statement_timeout = \(statementTimeout.millis)")
    }

    var clientConfiguration: PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls.client)
        configuration.options.maximumConnections = poolSize
        configuration.options.additionalStartupParameters = startupParameters
        return configuration
    }

    package var connectionConfiguration: PostgresConnection.Configuration { connectionConfiguration(applicationName: "ocgate") }

    /// A connection of its own, named `applicationName` in `pg_stat_activity` (the listener's, so it can be told apart).
    func connectionConfiguration(applicationName: String) -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls.connection)
        configuration.options.additionalStartupParameters = startupParameters(applicationName: applicationName)
        return configuration
    }
}
