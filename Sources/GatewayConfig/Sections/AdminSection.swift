/// `[admin]`: the operator console's own listener. Off until `token` is set.
public struct AdminSection: Sendable, Equatable {
    /// The address the console binds: loopback by default, so reaching it from elsewhere is a deliberate choice
    /// (an SSH tunnel or a proxy that terminates TLS).
    public var host: String
    /// The TCP port the console binds, 1...65535.
    public var port: Int
    /// The operator token the login form takes. A secret: listings and logs show it redacted. Unset: no console.
    public var token: String?
    /// How long a console login lasts; the operator logs in again after it.
    public var sessionTTL: Duration
    /// Wrong tokens one client address may try per minute before the login answers 429.
    public var loginAttempts: Int

    /// Makes a section with the documented defaults.
    public init(
        host: String = "127.0.0.1", port: Int = 8090, token: String? = nil, sessionTTL: Duration = .seconds(8 * 3600),
        loginAttempts: Int = 5
    ) {
        self.host = host
        self.port = port
        self.token = token
        self.sessionTTL = sessionTTL
        self.loginAttempts = loginAttempts
    }
}

extension AdminSection: ConfigSection {
    static let name = "admin"
    static var unread: Self { Self() }
    static var fields: [ConfigField<Self>] {
        [
            .value("host", \.host, .nonEmptyText),
            .value("port", \.port, ValueFormat.integer.within(1...65535, "a port number from 1 to 65535")),
            .optional(
                "token", \.token,
                ValueFormat.nonEmptyText.checked("at least 16 characters (a long random secret)") { $0.count >= 16 },
                secret: true),
            .value("session_ttl", \.sessionTTL, .positiveDuration),
            .value("login_attempts", \.loginAttempts, ValueFormat.integer.checked("an integer >= 1") { $0 >= 1 }),
        ]
    }
}
