import Foundation
import GatewayConfig
import GatewayOutbound

/// Where and how the `http` backend reaches its processor (`payment.http_*`).
///
/// The auth header is a secret: it is kept private, `description` hides it, and every text the backend logs or
/// stores passes through `redact(_:)` first, because a processor may echo what it was sent.
public struct ProcessorSettings: Sendable, CustomStringConvertible {
    /// Where a charge is started (`POST`).
    public let startURL: String?
    /// Where a charge's state is read (`GET`), `{id}` standing for the processor's id of the charge.
    public let statusURL: String?
    /// The most one call to the processor may take.
    public let timeout: Duration
    private let authHeader: String?

    /// - Parameters:
    ///   - authHeader: `Name: value`, sent as given with every call.
    ///   - timeout: the most one call may take.
    public init(startURL: String?, statusURL: String?, authHeader: String?, timeout: Duration = .seconds(10)) {
        self.startURL = startURL
        self.statusURL = statusURL
        self.authHeader = authHeader
        self.timeout = timeout
    }

    /// The settings of the `[payment]` section.
    public init(_ section: PaymentSection) {
        self.init(startURL: section.httpStartURL, statusURL: section.httpStatusURL, authHeader: section.httpAuthHeader)
    }

    public var description: String {
        "processor start \(startURL ?? "unset"), status \(statusURL ?? "unset"), auth header \(authName ?? "unset"): [redacted]"
    }

    /// `text` with the auth header's value (and the whole header) replaced by `[redacted]`.
    public func redact(_ text: String) -> String {
        guard let header = authHeader, let value = parsedAuth?.value, !value.isEmpty else { return text }
        return text.replacingOccurrences(of: header, with: "[redacted]").replacingOccurrences(of: value, with: "[redacted]")
    }

    /// The request starting the charge whose JSON body is `body`, idempotent on `reference`.
    func startRequest(reference: String, body: [UInt8]) throws(ProcessorError) -> OutboundRequest {
        guard let startURL else { throw .notConfigured("payment.http_start_url is not set") }
        return OutboundRequest(
            method: "POST", url: startURL,
            headers: [("Content-Type", "application/json"), ("Idempotency-Key", reference)] + (try authFields()),
            body: body, timeout: timeout)
    }

    /// The request reading the state of the charge the processor calls `processorID`.
    func statusRequest(processorID: String) throws(ProcessorError) -> OutboundRequest {
        guard let statusURL else { throw .notConfigured("payment.http_status_url is not set") }
        // The id comes from the processor: encoded so it can only fill its own path segment.
        var segment = CharacterSet.urlPathAllowed
        segment.remove(charactersIn: "/?#")
        let id = processorID.addingPercentEncoding(withAllowedCharacters: segment) ?? processorID
        return OutboundRequest(
            method: "GET", url: statusURL.replacingOccurrences(of: "{id}", with: id), headers: try authFields(),
            timeout: timeout)
    }

    private func authFields() throws(ProcessorError) -> [(name: String, value: String)] {
        guard let parsed = parsedAuth else {
            throw .notConfigured("payment.http_auth_header must be set as \"Name: value\"")
        }
        return [(parsed.name, parsed.value)] + [("Accept", "application/json")]
    }

    private var authName: String? { parsedAuth?.name }

    private var parsedAuth: (name: String, value: String)? {
        guard let header = authHeader, let colon = header.firstIndex(of: ":") else { return nil }
        let name = header[..<colon].trimmingCharacters(in: .whitespaces)
        let value = header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, !value.isEmpty else { return nil }
        return (name, value)
    }
}
