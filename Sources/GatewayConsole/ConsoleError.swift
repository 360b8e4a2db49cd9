import HTTPTypes

/// Why the console refused a request. The status each error answers with is decided here and nowhere else.
enum ConsoleError: Error, Equatable {
    /// No login, or it expired.
    case unauthorized
    /// A POST without the CSRF token of the login (or of the login form).
    case csrf
    /// Too many wrong tokens from this address; `retryAfter` seconds until the next try.
    case throttled(retryAfter: Int)
    case notFound(String)
    /// A filter or form field that does not parse; the message names it.
    case badRequest(String)
    /// The store refused an action (a job in the wrong state, say); the message says why.
    case conflict(String)

    var status: HTTPResponse.Status {
        switch self {
        case .unauthorized: .unauthorized
        case .csrf: .forbidden
        case .throttled: .tooManyRequests
        case .notFound: .notFound
        case .badRequest: .badRequest
        case .conflict: .conflict
        }
    }

    /// The `error.code` of the JSON body.
    var code: String {
        switch self {
        case .unauthorized: "UNAUTHORIZED"
        case .csrf: "CSRF_TOKEN_INVALID"
        case .throttled: "RATE_LIMITED"
        case .notFound: "NOT_FOUND"
        case .badRequest: "INVALID_REQUEST"
        case .conflict: "CONFLICT"
        }
    }

    var message: String {
        switch self {
        case .unauthorized: "log in with the operator token first"
        case .csrf: "this form is no longer valid; reload the page and try again"
        case .throttled(let seconds): "too many wrong tokens from this address; try again in \(seconds) s"
        case .notFound(let what): what
        case .badRequest(let problem): problem
        case .conflict(let reason): reason
        }
    }
}
