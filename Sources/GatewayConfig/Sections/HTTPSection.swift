/// `[http]`: where the acceptor listens and what it accepts.
public struct HTTPSection: Sendable, Equatable {
    /// The address to bind.
    public var host: String
    /// The TCP port to bind, 1...65535.
    public var port: Int
    /// The largest request body accepted, in bytes; larger bodies are refused before parsing.
    public var bodyLimit: Int
    /// The path prefix the gateway is served under: empty, or the start of `gateway.public_url`'s path
    /// (`/ocgate`). Request signatures are also verified against the path relative to it.
    public var basePath: String
    /// A benchmarking aid, off by default: also serve `POST /bench/checkout-checked`, which runs every check of a
    /// checkout and stores nothing (`ocgate bench serve` measures the served process's ceiling with it).
    public var benchCeiling: Bool

    /// Makes a section with the documented defaults.
    public init(
        host: String = "127.0.0.1", port: Int = 8080, bodyLimit: Int = 65536, basePath: String = "", benchCeiling: Bool = false
    ) {
        self.host = host
        self.port = port
        self.bodyLimit = bodyLimit
        self.basePath = basePath
        self.benchCeiling = benchCeiling
    }
}

extension HTTPSection: ConfigSection {
    static let name = "http"
    static var unread: Self { Self() }
    static var fields: [ConfigField<Self>] {
        [
            .value("host", \.host, .nonEmptyText),
            .value("port", \.port, ValueFormat.integer.within(1...65535, "a port number from 1 to 65535")),
            .value("body_limit", \.bodyLimit, .byteSize),
            .value("base_path", \.basePath, .basePath),
            .value("bench_ceiling", \.benchCeiling, .flag),
        ]
    }
}
