/// The payment processors the gateway can charge through.
public enum PaymentBackendKind: String, Sendable, Equatable, CaseIterable {
    /// Test outcomes chosen on the hosted page; state lives in the database.
    case sandbox
    /// A generic external processor reached over HTTP.
    case http
}

/// `[payment]`: which payment backend charges customers.
public struct PaymentSection: Sendable, Equatable {
    /// Which processor charges customers.
    public var backend: PaymentBackendKind
    /// Where a charge is started (backend `http` only).
    public var httpStartURL: String?
    /// Where a charge's state is polled (backend `http` only).
    public var httpStatusURL: String?
    /// The `Authorization`-style header sent to the processor. A secret: never logged or shown.
    public var httpAuthHeader: String?

    /// Makes a section with the documented default (sandbox).
    public init(
        backend: PaymentBackendKind = .sandbox, httpStartURL: String? = nil, httpStatusURL: String? = nil,
        httpAuthHeader: String? = nil
    ) {
        self.backend = backend
        self.httpStartURL = httpStartURL
        self.httpStatusURL = httpStatusURL
        self.httpAuthHeader = httpAuthHeader
    }
}

extension PaymentSection: ConfigSection {
    static let name = "payment"
    static var unread: Self { Self() }
    static var fields: [ConfigField<Self>] {
        [
            .value("backend", \.backend, .choice),
            .optional("http_start_url", \.httpStartURL, .httpURL),
            .optional("http_status_url", \.httpStatusURL, .httpURL),
            .optional("http_auth_header", \.httpAuthHeader, .nonEmptyText, secret: true),
        ]
    }

    func validate(in settings: SettingsInput) throws(ConfigError) {
        guard backend == .http else { return }
        let needed: [(key: String, value: String?)] = [
            ("payment.http_start_url", httpStartURL),
            ("payment.http_status_url", httpStatusURL),
            ("payment.http_auth_header", httpAuthHeader),
        ]
        if let unset = needed.first(where: { $0.value == nil }) {
            throw settings.missing(unset.key, problem: "required when payment.backend is \"http\"")
        }
    }
}
