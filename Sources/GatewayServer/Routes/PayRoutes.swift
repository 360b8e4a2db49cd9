import Foundation
import GatewayCore
import GatewayStore
import Hummingbird
import Logging
import NIOCore
import Opencharge

/// Where the hosted page lives: the one place that spells its route, for the routes, the page's forms and the
/// `checkout_url` a checkout answers with (`{public_url}/pay/{session}`, DESIGN.md).
public struct CheckoutPageAddress: Sendable {
    /// The route's first segment.
    static let segment = "pay"
    /// `gateway.public_url`.
    public let publicURL: String

    public init(publicURL: String) { self.publicURL = publicURL }

    /// The page of one session, as the customer's browser opens it.
    public func url(sessionID: String) -> String { publicURL + "/" + Self.segment + "/" + sessionID }

    /// The path the page's forms post under, where the browser reached the page.
    var formPath: String { (URLComponents(string: publicURL)?.percentEncodedPath ?? "") + "/" + Self.segment }
}

/// The hosted checkout: `GET /pay/{id}`, `POST /pay/{id}`, `POST /pay/{id}/cancel` (HTML, forms) and
/// `GET /pay/{id}/status` (signed JSON for polling). Each answers 404 for an unknown session before it looks at
/// anything the request carries.
struct PayRoutes: Sendable {
    let checkout: HostedCheckout
    let renderer: HostedPageRenderer
    let responder: SignedResponder

    /// A form is two short fields; anything longer is not ours.
    static let formLimit = 4096

    /// - Parameter publicURL: `gateway.public_url`; the page's forms post to its path, where the browser reached them.
    init(checkout: HostedCheckout, gatewayName: String, publicURL: String, responder: SignedResponder) {
        self.checkout = checkout
        self.renderer = HostedPageRenderer(gatewayName: gatewayName, publicURL: publicURL)
        self.responder = responder
    }

    func register(on router: some RouterMethods<GatewayRequestContext>) {
        let route = "/\(CheckoutPageAddress.segment)/{id}"
        router.get(RouterPath(route)) { _, context in
            await page(context) { id in try await checkout.show(sessionID: id) }
        }
        router.post(RouterPath(route)) { request, context in
            await page(context) { id in try await checkout.pay(sessionID: id, form: await form(request)) }
        }
        router.post(RouterPath(route + "/cancel")) { request, context in
            await page(context) { id in try await checkout.cancel(sessionID: id, form: await form(request)) }
        }
        router.get(RouterPath(route + "/status")) { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let status = try await checkout.status(sessionID: id) else {
                throw APIError(.notFound, "no checkout session \(id)")
            }
            return responder.json(["status": .string(status.rawValue)])
        }
    }

    /// Runs one page action and answers in HTML whatever happens: customers never see a JSON error or a trace.
    private func page(
        _ context: GatewayRequestContext, _ action: (String) async throws -> HostedPageResult
    ) async -> Response {
        let id = context.parameters.get("id") ?? ""
        do {
            switch try await action(id) {
            case .page(let page): return renderer.render(page)
            case .redirect(let url): return Response(status: .seeOther, headers: [.location: url, .cacheControl: "no-store"])
            case .unknownSession: return renderer.render(.unknownSession)
            case .forbidden: return renderer.render(.forbidden)
            case .unreadableForm: return renderer.render(.badRequest("The form could not be read."))
            }
        } catch let error as PaymentError {
            if case .unknownChoice = error { return renderer.render(.badRequest("Choose one of the payment buttons.")) }
            context.logger.error("payment failed", metadata: ["session": "\(id)", "error": "\(error)"])
            return renderer.render(.internalError)
        } catch {
            context.logger.error("hosted page failed", metadata: ["session": "\(id)", "error": "\(error)"])
            return renderer.render(.internalError)
        }
    }

    /// The posted form, or nil when the body is too long or not a form; judged only once the session is known.
    private func form(_ request: Request) async -> HostedForm? {
        guard let buffer = try? await request.body.collect(upTo: Self.formLimit) else { return nil }
        return try? URLEncodedFormDecoder().decode(HostedForm.self, from: String(buffer: buffer))
    }
}
