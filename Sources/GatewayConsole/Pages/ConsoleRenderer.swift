import Foundation
import GatewayServer
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// Renders console pages: the layout with its navigation, the security headers, and nothing unescaped.
struct ConsoleRenderer: Sendable {
    /// The pages in the navigation, in order.
    enum Section: String, CaseIterable, Sendable {
        case overview = "Overview", jobs = "Jobs", sessions = "Sessions", gateways = "Merchant Gateways"
        case settlement = "Settlement", audit = "Audit"

        var path: String {
            switch self {
            case .overview: "/"
            case .jobs: "/jobs"
            case .sessions: "/sessions"
            case .gateways: "/mgs"
            case .settlement: "/settlement"
            case .audit: "/audit"
            }
        }
    }

    let gatewayName: String
    let security = PageSecurity(stylesheet: ConsoleStylesheet.css)

    /// The templates are constants; the tests render every one, so a parse failure cannot ship.
    private static let library: MustacheLibrary = {
        do {
            var library = MustacheLibrary()
            let templates = [
                ("layout", ConsoleTemplates.layout), ("login", ConsoleTemplates.login),
                ("message", ConsoleTemplates.message), ("overview", ConsoleTemplates.overview),
                ("jobs", ConsoleTemplates.jobs), ("bulk", ConsoleTemplates.bulk), ("job", ConsoleTemplates.job),
                ("sessions", ConsoleTemplates.sessions), ("session", ConsoleTemplates.session),
                ("gateways", ConsoleTemplates.gateways), ("settlement", ConsoleTemplates.settlement),
                ("audit", ConsoleTemplates.audit),
            ]
            for (name, text) in templates { try library.register(text, named: name) }
            return library
        } catch {
            preconditionFailure("console template does not parse: \(error)")
        }
    }()

    /// A page of a logged-in operator: `template` with `values`, under the navigation with `section` marked.
    func page(
        _ template: String, title: String, section: Section?, login: ConsoleLogin, values: [String: Any],
        flash: Flash? = nil, refreshSeconds: Int? = nil
    ) -> Response {
        var context = values
        context["title"] = title
        context["gatewayName"] = gatewayName
        context["csrf"] = login.csrfToken
        context["nav"] = Self.navigation(marking: section)
        if let flash { context[flash.isAlert ? "alert" : "notice"] = flash.text }
        if let refreshSeconds { context["refreshSeconds"] = refreshSeconds }
        return html(.ok, template, context)
    }

    /// The login form; `loginCSRF` is the pre-login token its cookie carries too.
    func loginPage(loginCSRF: String, alert: String?, status: HTTPResponse.Status = .ok) -> Response {
        var context: [String: Any] = ["title": "Log in", "gatewayName": gatewayName, "loginCSRF": loginCSRF]
        if let alert { context["alert"] = alert }
        return html(status, "login", context)
    }

    /// An error as a page; the navigation shows when the operator is logged in.
    func errorPage(_ error: ConsoleError, login: ConsoleLogin?) -> Response {
        var context: [String: Any] = [
            "title": "Error", "gatewayName": gatewayName, "heading": error.status.reasonPhrase, "text": error.message,
            "back": login == nil ? "/login" : "/",
        ]
        if let login {
            context["csrf"] = login.csrfToken
            context["nav"] = Self.navigation(marking: nil)
        }
        return html(error.status, "message", context)
    }

    /// The navigation's links, `section` marked as the page at hand.
    private static func navigation(marking section: Section?) -> [[String: Any]] {
        Section.allCases.map { ["href": $0.path, "label": $0.rawValue, "here": $0 == section] }
    }

    private func html(_ status: HTTPResponse.Status, _ template: String, _ context: [String: Any]) -> Response {
        let text = Self.library.render(context, withTemplate: template) ?? ""
        return Response(
            status: status, headers: security.headers(redirectOrigins: []),
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// `303 See Other` to `location`: every form answers with one, so a reload never posts twice.
    static func redirect(to location: String) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        return Response(status: .seeOther, headers: headers)
    }

    /// `2026-12-04 10:15:03 UTC`.
    static func time(_ date: Date?) -> String {
        guard let date else { return "" }
        return date.formatted(.iso8601).replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
    }
}
