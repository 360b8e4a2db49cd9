/// Answers one signed checkout request: the seam where the inbox meets the acceptor's validation path,
/// so a file and an HTTP request are judged by the same code.
public protocol CheckoutValidator: Sendable {
    /// The HTTP status and response body the request earns (an error body for a refusal).
    func validate(headers: [String: String], path: String, body: [UInt8]) async -> (status: Int, body: [UInt8])
}
