import Foundation
import GatewayCore
import GatewayStore
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// Renders hosted-page results to HTML responses with the page security headers.
struct HostedPageRenderer: Sendable {
    /// A page that is not about one session's state.
    enum Problem {
        case unknownSession, forbidden, badRequest(String), internalError

        var status: HTTPResponse.Status {
            switch self {
            case .unknownSession: .notFound
            case .forbidden: .forbidden
            case .badRequest: .badRequest
            case .internalError: .internalServerError
            }
        }
    }

    let gatewayName: String
    /// Where the forms post: the path of `gateway.public_url` and `/pay`. The browser reached the page under that
    /// path, so the forms work whether a proxy passes its prefix on or strips it.
    let payPath: String
    let security = PageSecurity(stylesheet: PageTemplates.stylesheet)

    init(gatewayName: String, publicURL: String) {
        self.gatewayName = gatewayName
        payPath = CheckoutPageAddress(publicURL: publicURL).formPath
    }

    /// The templates are constants; each is rendered by the tests, so a parse failure cannot ship.
    private static let library: MustacheLibrary = {
        do {
            var library = MustacheLibrary()
            try library.register(PageTemplates.layout, named: "layout")
            try library.register(PageTemplates.checkout, named: "checkout")
            try library.register(PageTemplates.message, named: "message")
            return library
        } catch {
            preconditionFailure("hosted page template does not parse: \(error)")
        }
    }()

    /// How long the processing page waits before it looks again.
    static let processingRefreshSeconds = 3

    func render(_ page: CheckoutPage) -> Response {
        let origins = [page.successURL, page.cancelURL].compactMap(PageSecurity.origin(of:))
        var context = base()
        context["merchantName"] = page.merchantName
        context["amount"] = page.amount
        context["currency"] = page.currency
        let template: String
        switch page.status {
        case .pending:
            template = "checkout"
            context["sessionID"] = page.sessionID
            context["payPath"] = payPath
            context["orderID"] = page.orderID
            context["hasLines"] = !page.lines.isEmpty
            context["lines"] = page.lines.map { line -> [String: Any] in
                ["name": line.name, "quantity": line.quantity, "price": line.price, "total": line.total ?? ""]
            }
            context["timeLeft"] = page.timeLeftText
            context["expiresAtText"] = Self.utcText(page.expiresAt)
            context["choices"] = page.choices.map { ["id": $0.id, "label": $0.label] }
            context["formToken"] = page.formToken
            if let notice = page.notice { context["notice"] = notice }
        case .processing:
            template = "message"
            context.merge(message("Processing", "Payment received", "Your payment is being confirmed. This page refreshes by itself."))
            context["refreshSeconds"] = Self.processingRefreshSeconds
        case .completed:
            template = "message"
            context.merge(message("Paid", "Payment complete", "Thank you. Your payment is complete."))
            context["link"] = ["url": page.successURL, "text": "Return to the merchant"]
            // The processing page refreshes into this one once the proof is issued: the browser goes on by itself.
            context["redirectURL"] = page.successURL
        case .cancelled:
            template = "message"
            context.merge(message("Cancelled", "Checkout cancelled", "No payment was taken."))
            context["link"] = ["url": page.cancelURL, "text": "Return to the merchant"]
        case .expired:
            template = "message"
            context.merge(message("Expired", "This checkout has expired", "No payment was taken. Return to the merchant to start again."))
            context["link"] = ["url": page.cancelURL, "text": "Return to the merchant"]
        case .failed:
            template = "message"
            context.merge(message("Failed", "Payment failed", "The payment could not be completed. No money was taken."))
            context["link"] = ["url": page.cancelURL, "text": "Return to the merchant"]
        }
        return response(status: .ok, template: template, context: context, origins: origins)
    }

    func render(_ problem: Problem) -> Response {
        var context = base()
        switch problem {
        case .unknownSession:
            context.merge(message("Not found", "Checkout not found", "This checkout link is not valid. Please check the link the merchant gave you."))
        case .forbidden:
            context.merge(message("Expired form", "This form is no longer valid", "Nothing was charged. Reload the checkout page and try again."))
        case .badRequest(let reason):
            context.merge(message("Bad request", "That request could not be understood", reason))
        case .internalError:
            context.merge(message("Error", "Something went wrong", "Nothing was charged. Please try again in a moment."))
        }
        return response(status: problem.status, template: "message", context: context, origins: [])
    }

    private func base() -> [String: Any] {
        ["gatewayName": gatewayName]
    }

    private func message(_ eyebrow: String, _ heading: String, _ text: String) -> [String: Any] {
        ["eyebrow": eyebrow, "heading": heading, "message": text]
    }

    private func response(status: HTTPResponse.Status, template: String, context: [String: Any], origins: [String]) -> Response {
        let html = Self.library.render(context, withTemplate: template) ?? ""
        return Response(
            status: status, headers: security.headers(redirectOrigins: origins),
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    private static func utcText(_ seconds: Int64) -> String {
        Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(.iso8601)
            .replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
    }
}

extension Dictionary where Key == String, Value == Any {
    fileprivate mutating func merge(_ other: [String: Any]) {
        merge(other) { _, new in new }
    }
}
