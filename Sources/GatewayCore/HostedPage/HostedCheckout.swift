import Foundation
import GatewayStore
import Logging
import Opencharge

/// What a hosted-page request leads to; the server turns it into HTML or a redirect.
public enum HostedPageResult: Sendable, Equatable {
    /// Render the page for `page.status`.
    case page(CheckoutPage)
    /// 303 to this URL (the merchant's `urls.success` or `urls.cancel`, unchanged).
    case redirect(String)
    /// No session with that id.
    case unknownSession
    /// The form's CSRF token is missing or wrong; nothing was done.
    case forbidden
    /// The body was not a form that could be read; nothing was done.
    case unreadableForm
}

/// The hosted checkout: shows a session, takes its payment through the backend, cancels it. Stateless
/// itself; the session row is the truth, so any number of servers can serve the same session.
public struct HostedCheckout: Sendable {
    public let sessions: any CheckoutSessionStore
    public let charges: any ChargeStore
    public let peers: any PeerDirectory
    public let backend: any PaymentBackend
    public let formToken: FormToken
    public let time: any TimeSource
    /// Finishes a charge taken at once inside the pay request (proof, ledger, completion, one delivery attempt)
    /// before the browser is sent on. Nil leaves that to the workers and sends the browser on at once: only rigs
    /// that test the page alone build a checkout without it.
    public let afterPayment: AfterPayment?

    public init(
        sessions: any CheckoutSessionStore, charges: any ChargeStore, peers: any PeerDirectory, backend: any PaymentBackend,
        formToken: FormToken, time: any TimeSource, afterPayment: AfterPayment? = nil
    ) {
        self.afterPayment = afterPayment
        self.sessions = sessions
        self.charges = charges
        self.peers = peers
        self.backend = backend
        self.formToken = formToken
        self.time = time
    }

    /// The checkout over `stores`, charging through `backend` (the sandbox on `stores` when nil), its forms signed
    /// by `identity`'s key.
    public init(
        stores: GatewayStores, peers: any PeerDirectory, backend: (any PaymentBackend)?, identity: GatewayIdentity,
        time: any TimeSource, afterPayment: AfterPayment? = nil
    ) {
        self.init(
            sessions: stores.sessions, charges: stores.charges, peers: peers,
            backend: backend ?? SandboxBackend(charges: stores.charges, time: time),
            formToken: FormToken(gatewayKey: identity.key), time: time, afterPayment: afterPayment)
    }

    /// The checkout of `gateway`: its stores, peers and payment backend, finishing instant charges inline.
    public init(gateway: Gateway, logger: Logger) {
        self.init(
            stores: gateway.stores, peers: gateway.peers, backend: gateway.payments, identity: gateway.identity,
            time: gateway.time, afterPayment: AfterPayment(gateway: gateway, logger: logger))
    }

    /// `GET /pay/{id}`.
    public func show(sessionID: String) async throws -> HostedPageResult {
        guard let session = try await sessions.session(id: sessionID) else { return .unknownSession }
        return .page(await page(for: session, notice: nil))
    }

    /// `POST /pay/{id}`: pays with the customer's choice. Paid → the proof issued and offered to the MG once
    /// (`AfterPayment`), then the success URL; pending → the processing page; declined → the form again
    /// with the reason; already paid, cancelled or expired → that state's page (a double click lands on the
    /// success URL like the first).
    /// - Parameter form: nil when the body was not a readable form.
    /// - Throws: `PaymentError.unknownChoice` when the form names no choice the backend offers.
    public func pay(sessionID: String, form: HostedForm?) async throws -> HostedPageResult {
        switch try await admit(sessionID, form) {
        case .refused(let answer): return answer
        case .admitted(let session, let form): return try await charge(session, choice: form.choice ?? "")
        }
    }

    /// `POST /pay/{id}/cancel`: cancels a pending session and sends the customer to the cancel URL.
    /// - Parameter form: nil when the body was not a readable form.
    public func cancel(sessionID: String, form: HostedForm?) async throws -> HostedPageResult {
        if case .refused(let answer) = try await admit(sessionID, form) { return answer }
        switch try await sessions.cancel(sessionID: sessionID, now: time.now()) {
        case .cancelled(let session): return .redirect(session.cancelURL)
        case .notCancellable(let session): return .page(await page(for: session, notice: nil))
        case .unknown: return .unknownSession
        }
    }

    /// `GET /pay/{id}/status`: the status the page would show, or nil for an unknown session.
    public func status(sessionID: String) async throws -> SessionStatus? {
        try await sessions.session(id: sessionID)?.effectiveStatus(at: nowSeconds)
    }

    /// Whether a posted form may act on its session. The session comes first: an unknown id is `.unknownSession`
    /// whatever was posted, and only an existing session's form is read and its token checked.
    private enum Admission {
        case admitted(CheckoutSessionRecord, HostedForm)
        case refused(HostedPageResult)
    }

    private func admit(_ sessionID: String, _ form: HostedForm?) async throws -> Admission {
        guard let session = try await sessions.session(id: sessionID) else { return .refused(.unknownSession) }
        guard let form else { return .refused(.unreadableForm) }
        guard formToken.verifies(form.csrf ?? "", for: sessionID) else { return .refused(.forbidden) }
        return .admitted(session, form)
    }

    private func charge(_ session: CheckoutSessionRecord, choice: String) async throws -> HostedPageResult {
        guard !choice.isEmpty else { throw PaymentError.unknownChoice("(none)") }
        guard session.effectiveStatus(at: nowSeconds) == .pending else { return await settled(session) }
        switch try await backend.startCharge(for: session, choice: choice, heldBy: afterPayment?.holder) {
        case .succeeded(_, let proofIssue):
            guard let afterPayment, let proofIssue else { return .redirect(session.successURL) }
            if await afterPayment.finish(proofIssue) == .notIssued {
                // Not completed yet: the processing page sends the browser on once a worker has issued the proof.
                return .page(await page(for: try await current(session), notice: nil))
            }
            return .redirect(session.successURL)
        case .pending: return .page(await page(for: try await current(session), notice: nil))
        case .declined(let reason): return .page(await page(for: session, notice: reason))
        case .notPayable(let current): return await settled(current)
        }
    }

    /// A session that can no longer be paid: a charged one goes on to the success URL (a second click after a
    /// successful first), anything else shows its page.
    private func settled(_ session: CheckoutSessionRecord) async -> HostedPageResult {
        switch session.effectiveStatus(at: nowSeconds) {
        case .completed, .processing:
            if let charge = try? await charges.charges(sessionID: session.id).last, charge.state == .succeeded {
                return .redirect(session.successURL)
            }
            return .page(await page(for: session, notice: nil))
        default:
            return .page(await page(for: session, notice: nil))
        }
    }

    private func current(_ session: CheckoutSessionRecord) async throws -> CheckoutSessionRecord {
        try await sessions.session(id: session.id) ?? session
    }

    private var nowSeconds: Int64 { Int64(time.now().timeIntervalSince1970) }

    func page(for session: CheckoutSessionRecord, notice: String?) async -> CheckoutPage {
        let now = nowSeconds
        let items = (try? JSONParser.parse(Array(session.orderJSON.utf8))).flatMap { try? Order(json: $0) }?.items ?? []
        return CheckoutPage(
            sessionID: session.id, status: session.effectiveStatus(at: now), merchantName: await merchantName(session),
            orderID: session.orderID,
            lines: items.map { item in
                CheckoutPage.Line(
                    name: item.name, quantity: item.quantity, price: item.price,
                    total: DecimalAmount(item.price).map { $0.times(item.quantity).description })
            },
            amount: session.amount, currency: session.currency, secondsLeft: max(0, session.expiresAt - now),
            expiresAt: session.expiresAt, choices: backend.choices, formToken: formToken.token(for: session.id),
            notice: notice, successURL: session.successURL, cancelURL: session.cancelURL)
    }

    /// The merchant's name as stored with the session; for a session stored without one, its published name; the
    /// page still renders when that metadata cannot be had.
    private func merchantName(_ session: CheckoutSessionRecord) async -> String {
        if let stored = session.merchantName { return stored }
        guard let metadata = try? await peers.metadata(for: session.merchantOCID), !metadata.name.isEmpty else {
            return "Merchant \(session.merchantOCID)"
        }
        return metadata.name
    }
}
