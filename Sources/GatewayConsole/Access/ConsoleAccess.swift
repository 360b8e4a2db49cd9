import Foundation
import Hummingbird

/// Lets a request in only with a live login, and a POST only with its login's CSRF token (the login form's POST
/// with the pre-login token its own cookie holds). Reads a POST's form once for the routes.
struct ConsoleAccess: RouterMiddleware {
    typealias Context = ConsoleRequestContext

    static let loginCookie = "ocgate_console"
    static let preLoginCookie = "ocgate_console_login"
    /// Console forms are a few fields; anything bigger is not one of them.
    static let formLimit = 16 * 1024

    let logins: ConsoleLogins

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var request = request
        var context = context
        if request.method == .post {
            let body = try await request.collectBody(upTo: Self.formLimit)
            context.form = FormFields(encoded: String(buffer: body))
        }
        if request.uri.path == "/login" {
            if request.method == .post {
                try Self.check(context.form["csrf"], against: request.cookies[Self.preLoginCookie]?.value)
            }
            return try await next(request, context)
        }
        guard let id = request.cookies[Self.loginCookie]?.value, let login = logins.login(id: id) else {
            // A page asked for without a login goes to the form; a form posted without one is refused.
            if request.method == .get { return ConsoleRenderer.redirect(to: "/login") }
            throw ConsoleError.unauthorized
        }
        context.login = login
        if request.method == .post { try Self.check(context.form["csrf"], against: login.csrfToken) }
        return try await next(request, context)
    }

    private static func check(_ sent: String?, against expected: String?) throws {
        guard let sent, let expected, OperatorToken.equal(Array(sent.utf8), Array(expected.utf8)) else {
            throw ConsoleError.csrf
        }
    }
}
