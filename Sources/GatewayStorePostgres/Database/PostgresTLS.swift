import Foundation
import GatewayStore
import NIOSSL
import PostgresNIO

/// How every connection to PostgreSQL is protected, read from `store.postgres_url`'s `sslmode` and `sslrootcert`
/// (libpq's names, so a URL that works with `psql` means the same here). Every connection the backend opens takes it
/// from here: the pool, the job listener, migrations, the admin chores and `store copy`.
public struct PostgresTLS: Sendable, CustomStringConvertible {
    /// libpq's `sslmode`s an operator chooses between. `allow` and `prefer` are refused: they fall back to plain text
    /// when the server (or whoever sits between) does not offer TLS, which protects nothing against the attacker TLS
    /// is for.
    public enum Mode: String, Sendable, CaseIterable {
        /// Plain text: loopback, a private network, or a TLS-terminating proxy.
        case disable
        /// Encrypted, the server's certificate not checked: stops a passive listener, not a man in the middle.
        case require
        /// Encrypted, the certificate must chain to a trusted root; any name on it is accepted.
        case verifyCA = "verify-ca"
        /// Encrypted, the certificate must chain to a trusted root and name the host of the URL.
        case verifyFull = "verify-full"
    }

    /// What a URL without `sslmode` gets. libpq's default (`prefer`) silently falls back to plain text; a payment
    /// gateway should not, so the default is the mode that checks who answers (docs/postgres.md).
    public static let defaultMode = Mode.verifyFull

    public let mode: Mode
    /// The PEM file `sslrootcert` names, whose certificates are the only roots `verify-*` trust; nil: the system's.
    public let rootCertificatePath: String?
    /// The certificates of `rootCertificatePath`, read once when the URL is read (so an unreadable file is a
    /// configuration error at startup, not a failure at the first connection).
    private let roots: [NIOSSLCertificate]
    /// The context every connection of its own shares (the pool makes its own from `configuration`); nil for
    /// `disable`. Made when the URL is read, for the same reason as `roots`.
    private let context: NIOSSLContext?

    private init(mode: Mode, rootCertificatePath: String?, roots: [NIOSSLCertificate]) throws {
        self.mode = mode
        self.rootCertificatePath = rootCertificatePath
        self.roots = roots
        guard let configuration = Self.configuration(mode: mode, roots: roots) else {
            context = nil
            return
        }
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw StoreError.unsupported(
                "store.postgres_url: \(Self.describe(mode, rootCertificatePath)) cannot be set up (\(error))")
        }
    }

    /// Reads `sslmode` and `sslrootcert` from a URL's query.
    /// - Throws: `StoreError.unsupported` naming the parameter for a mode ocgate does not take, a root file that
    ///   cannot be read as PEM certificates, a root given with a mode that would not use it, or another `ssl…`
    ///   parameter of libpq's (`sslcert`, `sslkey`, `sslcrl` …).
    init(query: [URLQueryItem]) throws {
        // Client certificates, revocation lists and the like are not read: saying so beats a URL that seems to ask
        // for them and silently gets less.
        if let other = query.first(where: { $0.name.hasPrefix("ssl") && !["sslmode", "sslrootcert"].contains($0.name) }) {
            throw StoreError.unsupported("store.postgres_url: \(other.name) is not supported (only sslmode and sslrootcert)")
        }
        let given = query.last(where: { $0.name == "sslmode" })?.value
        guard let mode = given.map({ Mode(rawValue: $0) }) ?? Self.defaultMode else {
            let known = Mode.allCases.map(\.rawValue).joined(separator: ", ")
            throw StoreError.unsupported("store.postgres_url: sslmode=\(given ?? "") is not supported; use one of \(known)")
        }
        let path = query.last(where: { $0.name == "sslrootcert" })?.value
        guard let path else {
            try self.init(mode: mode, rootCertificatePath: nil, roots: [])
            return
        }
        // libpq quietly turns `require` into `verify-ca` when a root is given; say it instead of guessing.
        guard mode == .verifyCA || mode == .verifyFull else {
            throw StoreError.unsupported(
                "store.postgres_url: sslrootcert is only used by sslmode=verify-ca or verify-full, not sslmode=\(mode.rawValue)")
        }
        let roots: [NIOSSLCertificate]
        do {
            roots = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw StoreError.unsupported("store.postgres_url: sslrootcert=\(path) cannot be read as PEM certificates (\(error))")
        }
        guard !roots.isEmpty else {
            throw StoreError.unsupported("store.postgres_url: sslrootcert=\(path) holds no certificate")
        }
        try self.init(mode: mode, rootCertificatePath: path, roots: roots)
    }

    /// NIOSSL's client settings for this mode; nil for `disable`. TLS 1.2 at least, as PostgreSQL's own default
    /// (`ssl_min_protocol_version`).
    var configuration: TLSConfiguration? { Self.configuration(mode: mode, roots: roots) }

    private static func configuration(mode: Mode, roots: [NIOSSLCertificate]) -> TLSConfiguration? {
        let verification: CertificateVerification
        switch mode {
        case .disable: return nil
        case .require: verification = .none
        case .verifyCA: verification = .noHostnameVerification
        case .verifyFull: verification = .fullVerification
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = verification
        tls.trustRoots = roots.isEmpty ? .default : .certificates(roots)
        return tls
    }

    /// For the pool. `require` in postgres-nio's sense: a server that does not offer TLS is refused, never used in
    /// plain text.
    var client: PostgresClient.Configuration.TLS {
        configuration.map { .require($0) } ?? .disable
    }

    /// For a connection of its own (the listener, migrations, admin chores, `store copy`); the same as `client`.
    var connection: PostgresConnection.Configuration.TLS {
        context.map { .require($0) } ?? .disable
    }

    /// For messages: the mode and, if given, the root file.
    public var description: String { Self.describe(mode, rootCertificatePath) }

    private static func describe(_ mode: Mode, _ rootCertificatePath: String?) -> String {
        "sslmode=\(mode.rawValue)" + (rootCertificatePath.map { " sslrootcert=\($0)" } ?? "")
    }
}
