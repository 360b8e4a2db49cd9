import Foundation
import GatewayStore
import GatewayStorePostgres
import GatewayTestSupport
import Logging
import Testing

/// TLS to PostgreSQL (`sslmode`, `sslrootcert` in `store.postgres_url`) against the test server, which takes TLS
/// and plain connections on one port (scripts/postgres-test-cluster). Each case checks what the server saw
/// (`pg_stat_ssl`), since a client that fell back to plain text would pass every store test just as well. Fail
/// (never skip) without `OCGATE_TEST_POSTGRES_URL` or `OCGATE_TEST_POSTGRES_CA`.
@Suite("PostgreSQL TLS", .serialized)
struct PostgresTLSTests {
    private static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func verifyFullEncryptsThePoolTheListenerAndTheirNotifications() async throws {
        let url = try PostgresTestDatabase.tlsURL(
            sslmode: "verify-full", sslrootcert: TestPostgresServer.certificateAuthorities().server)
        // Two hosts on one database: their databases were made and migrated over TLS too (the admin connection).
        let shared = try PostgresTestDatabase.openShared(count: 2, time: SystemTime(), url: url)
        defer { shared.discard() }
        let (a, b) = (shared.backends[0], shared.backends[1])
        #expect(a.configuration.tls.mode == .verifyFull)
        #expect(try await eventually { b.listener.observed.listens >= 1 })

        let encryption = try await b.encryption()
        #expect(encryption.pool)
        #expect(encryption.listener == true)

        // A NOTIFY sent on A's pool reaches B's listener, both over TLS.
        let wake = WakeSignal()
        b.stores.jobs.notifier.subscribe(wake)
        let generation = wake.generation
        let heard = b.listener.observed.notifications
        _ = try await a.stores.jobs.enqueue(NewJob(kind: "tls.test"))
        await wake.wait(since: generation, timeout: .seconds(120))
        #expect(try await eventually { b.listener.observed.notifications > heard })
    }

    @Test func requireEncryptsWithoutARoot() async throws {
        let shared = try PostgresTestDatabase.openShared(
            time: SystemTime(), url: PostgresTestDatabase.tlsURL(sslmode: "require"))
        defer { shared.discard() }
        #expect(try await shared.backends[0].encryption().pool)
    }

    @Test func disableStaysPlainText() async throws {
        let shared = try PostgresTestDatabase.openShared(
            time: SystemTime(), url: PostgresTestDatabase.tlsURL(sslmode: "disable"))
        defer { shared.discard() }
        #expect(try await shared.backends[0].encryption().pool == false)
    }

    @Test func verifyCAChecksTheChain() async throws {
        let roots = try TestPostgresServer.certificateAuthorities()
        let shared = try PostgresTestDatabase.openShared(
            time: SystemTime(), url: PostgresTestDatabase.tlsURL(sslmode: "verify-ca", sslrootcert: roots.server))
        defer { shared.discard() }
        #expect(try await shared.backends[0].encryption().pool)

        let refused = try Self.openingFailure(sslmode: "verify-ca", sslrootcert: roots.other)
        #expect(refused.contains("TLS handshake failed (sslmode=verify-ca sslrootcert=\(roots.other))"), "\(refused)")
    }

    /// A root that did not sign the server's certificate: refused at once, with a message that says TLS and
    /// certificate, not a hang or a generic connection error.
    @Test func verifyFullAgainstAnotherRootFailsSayingWhy() throws {
        let other = try TestPostgresServer.certificateAuthorities().other
        let refused = try Self.openingFailure(sslmode: "verify-full", sslrootcert: other)
        #expect(refused.contains("TLS handshake failed (sslmode=verify-full sslrootcert=\(other))"), "\(refused)")
        #expect(refused.contains("CERTIFICATE_VERIFY_FAILED"), "\(refused)")
    }

    /// Opens (migrates) a database that does not exist, under `sslmode`: the handshake must fail before the server
    /// could say so. - Returns: the error's description.
    private static func openingFailure(sslmode: String, sslrootcert: String) throws -> String {
        let configuration = try PostgresStoreConfiguration(
            url: PostgresTestDatabase.tlsURL(sslmode: sslmode, sslrootcert: sslrootcert), poolSize: 1
        ).with(database: "ocgate_test_tls_never_created")
        do {
            try PostgresBackend.migrate(configuration, logger: quiet)
        } catch {
            #expect(error is PostgresOpenError)
            return "\(error)"
        }
        Issue.record("\(sslmode) with a root that did not sign the server's certificate connected")
        return ""
    }
}

/// How `store.postgres_url`'s TLS parameters are read: no server needed.
@Suite("PostgreSQL TLS settings")
struct PostgresTLSSettingsTests {
    private func configuration(_ query: String) throws -> PostgresStoreConfiguration {
        try PostgresStoreConfiguration(url: "postgres://ocgate@db.internal/gw" + query)
    }

    @Test func withoutSslmodeTheServerIsVerified() throws {
        let tls = try configuration("").tls
        #expect(tls.mode == .verifyFull)
        #expect(tls.rootCertificatePath == nil)
    }

    @Test func everyModeAnOperatorChoosesIsRead() throws {
        for mode in PostgresTLS.Mode.allCases {
            #expect(try configuration("?sslmode=\(mode.rawValue)").tls.mode == mode)
        }
    }

    @Test func modesThatFallBackToPlainTextAndUnknownModesAreRefusedInOneLine() {
        for mode in ["prefer", "allow", "verify_full", ""] {
            let error = #expect(throws: StoreError.self) { try configuration("?sslmode=\(mode)") }
            #expect(error?.description == "store.postgres_url: sslmode=\(mode) is not supported; use one of disable, "
                + "require, verify-ca, verify-full")
        }
    }

    @Test func anUnreadableRootIsRefusedNamingTheFile() throws {
        let missing = "/nonexistent/ocgate-ca.pem"
        let error = #expect(throws: StoreError.self) {
            try configuration("?sslmode=verify-full&sslrootcert=\(missing)")
        }
        let message = error?.description ?? ""
        #expect(message.hasPrefix("store.postgres_url: sslrootcert=\(missing) cannot be read as PEM certificates"))
        #expect(!message.contains("\n"))

        let notPEM = FileManager.default.temporaryDirectory.appendingPathComponent("ocgate-not-a-ca-\(UUID()).pem")
        try Data("not a certificate\n".utf8).write(to: notPEM)
        defer { try? FileManager.default.removeItem(at: notPEM) }
        #expect(throws: StoreError.self) { try configuration("?sslmode=verify-ca&sslrootcert=\(notPEM.path)") }
    }

    @Test func libpqsOtherTLSParametersAreRefusedRatherThanIgnored() {
        for parameter in ["sslcert", "sslkey", "sslcrl", "sslpassword"] {
            let error = #expect(throws: StoreError.self) {
                try configuration("?sslmode=verify-full&\(parameter)=/etc/ocgate/x.pem")
            }
            #expect(error?.description == "store.postgres_url: \(parameter) is not supported (only sslmode and sslrootcert)")
        }
    }

    @Test func aRootWithAModeThatWouldIgnoreItIsRefused() {
        let error = #expect(throws: StoreError.self) {
            try configuration("?sslmode=require&sslrootcert=/etc/ssl/certs/ca-certificates.crt")
        }
        #expect(error?.description
            == "store.postgres_url: sslrootcert is only used by sslmode=verify-ca or verify-full, not sslmode=require")
    }
}
