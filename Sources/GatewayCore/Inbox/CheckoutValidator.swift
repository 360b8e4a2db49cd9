/// Answers one signed checkout request: the seam where the inbox meets the acceptor's validation path,
/// so a file and an HTTP request are judged by the same code.
public protocol CheckoutValidator: Sendable {
    /// The answer the request earns (an error body for a refusal, with its code).
    func validate(headers: [String: String], path: String, body: [UInt8]) async -> AcceptanceResult
}
