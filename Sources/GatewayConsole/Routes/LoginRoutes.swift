import Foundation
import Hummingbird

/// The login form, the login itself (throttled per client address, token compared in constant time) and logout.
struct LoginRoutes: Sendable {
    let token: OperatorToken
    let settings: ConsoleSettings
    let logins: ConsoleLogins
    let throttle: LoginThrottle
    let actions: ConsoleActions
    let renderer: ConsoleRenderer

    func register(on router: Router<ConsoleRequestContext>) {
        router.get("/login") { request, _ in
            if let id = request.cookies[ConsoleAccess.loginCookie]?.value, logins.login(id: id) != nil {
                return ConsoleRenderer.redirect(to: "/")
            }
            return form(alert: nil)
        }
        router.post("/login") { _, context in try await login(context) }
        router.post("/logout") { _, context in
            let login = try PageKit.login(context)
            logins.close(id: login.id)
            var response = ConsoleRenderer.redirect(to: "/login")
            response.setCookie(cookie(ConsoleAccess.loginCookie, value: "", maxAge: 0))
            return response
        }
    }

    private func login(_ context: ConsoleRequestContext) async throws -> Response {
        let client = context.client
        guard throttle.allows(client) else { throw ConsoleError.throttled(retryAfter: throttle.retryAfter(client)) }
        guard let guess = context.form["token"], token.matches(guess) else {
            throttle.recordFailure(client)
            try await actions.recordLogin(succeeded: false, client: client)
            return form(alert: "That token is not the operator token.", status: .unauthorized)
        }
        try await actions.recordLogin(succeeded: true, client: client)
        let login = logins.open()
        var response = ConsoleRenderer.redirect(to: "/")
        response.setCookie(cookie(ConsoleAccess.loginCookie, value: login.id, maxAge: Int(settings.sessionTTL.components.seconds)))
        response.setCookie(cookie(ConsoleAccess.preLoginCookie, value: "", maxAge: 0))
        return response
    }

    /// The form, with a fresh pre-login CSRF token in both the form and its cookie.
    private func form(alert: String?, status: HTTPResponse.Status = .ok) -> Response {
        let loginCSRF = ConsoleLogins.secret()
        var response = renderer.loginPage(loginCSRF: loginCSRF, alert: alert, status: status)
        response.setCookie(cookie(ConsoleAccess.preLoginCookie, value: loginCSRF, maxAge: 3600))
        return response
    }

    private func cookie(_ name: String, value: String, maxAge: Int) -> Cookie {
        Cookie(
            name: name, value: value, maxAge: maxAge, path: "/", secure: settings.secureCookie, httpOnly: true,
            sameSite: .strict)
    }
}
