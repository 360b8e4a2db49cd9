import Opencharge

/// The validation available before the checkout acceptor exists: the body must be a well-formed
/// `CheckoutCreateRequest` (400 INVALID_REQUEST naming the field otherwise); a well-formed one is answered
/// 501 CAPABILITY_NOT_SUPPORTED, honestly, until the acceptor replaces this validator.
public struct SchemaCheckoutValidator: CheckoutValidator {
    public init() {}

    public func validate(headers: [String: String], path: String, body: [UInt8]) async -> (status: Int, body: [UInt8]) {
        let answer: APIError
        do {
            _ = try CheckoutCreateRequest(json: try JSONParser.parse(body))
            answer = APIError(.capabilityNotSupported, "checkout acceptance is not available yet")
            return (501, CanonicalJSON.encode(answer.json))
        } catch let error as ValidationError {
            answer = .invalidRequest(error)
        } catch {
            answer = APIError(.invalidRequest, "body is not valid JSON: \(error)")
        }
        return (answer.status, CanonicalJSON.encode(answer.json))
    }
}
