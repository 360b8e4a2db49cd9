import Foundation

/// Where the console listens and how it lets operators in (`[admin]`).
public struct ConsoleSettings: Sendable {
    public var host: String
    public var port: Int
    /// The operator token the login form takes.
    public var token: String
    /// How long a login lasts.
    public var sessionTTL: Duration
    /// Wrong tokens one client address may try per minute.
    public var loginAttempts: Int
    /// Marks the session cookie `Secure`: on when `gateway.public_url` is https, a sign the operator reaches the
    /// console through TLS too.
    public var secureCookie: Bool

    public init(host: String, port: Int, token: String, sessionTTL: Duration, loginAttempts: Int, secureCookie: Bool) {
        self.host = host
        self.port = port
        self.token = token
        self.sessionTTL = sessionTTL
        self.loginAttempts = loginAttempts
        self.secureCookie = secureCookie
    }
}
