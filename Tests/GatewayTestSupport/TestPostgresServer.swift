import Foundation

/// The TLS side of the PostgreSQL test server (scripts/postgres-test-cluster): the CA of its certificate, and URLs
/// asking for TLS, for every test target that connects to it. Cases that need the CA fail without it, saying how to
/// get it; they never skip.
public enum TestPostgresServer {
    public static let certificateAuthorityVariable = "OCGATE_TEST_POSTGRES_CA"

    /// `OCGATE_TEST_POSTGRES_CA` is not set.
    public struct NoCertificateAuthority: Error, CustomStringConvertible {
        public var description: String {
            """
            \(TestPostgresServer.certificateAuthorityVariable) is not set, so the PostgreSQL TLS cases cannot run (they \
            fail rather than skip). eval "$(scripts/postgres-test-cluster --export)" sets it with the server's URL.
            """
        }
    }

    /// A URL that is not one.
    public struct NotAURL: Error, CustomStringConvertible {
        public var description: String { "the test server's URL cannot be parsed" }
    }

    /// The certificate of the CA that signed the test server's (`OCGATE_TEST_POSTGRES_CA`), and `other-ca.pem` beside
    /// it: a CA that signed nothing the server shows, what a wrong root looks like to a client.
    public static func certificateAuthorities() throws -> (server: String, other: String) {
        guard let ca = ProcessInfo.processInfo.environment[certificateAuthorityVariable], !ca.isEmpty else {
            throw NoCertificateAuthority()
        }
        return (ca, URL(fileURLWithPath: ca).deletingLastPathComponent().appendingPathComponent("other-ca.pem").path)
    }

    /// `url` with `sslmode` (and `sslrootcert`, if given) in place of its query.
    public static func url(_ url: String, sslmode: String, sslrootcert: String? = nil) throws -> String {
        guard var parts = URLComponents(string: url) else { throw NotAURL() }
        parts.queryItems = [URLQueryItem(name: "sslmode", value: sslmode)]
            + (sslrootcert.map { [URLQueryItem(name: "sslrootcert", value: $0)] } ?? [])
        guard let url = parts.string else { throw NotAURL() }
        return url
    }
}
