/// A hosted-page form as the customer's browser posted it: `csrf` and, for paying, `choice`. A field missing from
/// the form is nil.
public struct HostedForm: Sendable, Equatable, Decodable {
    public var csrf: String?
    public var choice: String?

    public init(csrf: String? = nil, choice: String? = nil) {
        self.csrf = csrf
        self.choice = choice
    }
}
