import Foundation
import GatewayCore
import GatewayStore
import Hummingbird

/// Session search, a session's page with its timeline, and redelivery of its proof.
struct SessionsPages: Sendable {
    static let pageSize = 50
    static let filterNames = ["q", "mg", "merchant", "status", "since", "until"]

    let stores: GatewayStores
    let actions: ConsoleActions
    let kit: PageKit

    func register(on router: Router<ConsoleRequestContext>) {
        router.get("/sessions") { request, context in try await list(request, context) }
        router.get("/sessions/:id") { _, context in try await show(context) }
        router.post("/sessions/:id/redeliver") { _, context in
            let id = try Self.id(context)
            return try await kit.after(context, actions.redeliver(sessionID: id, client: context.client), to: "/sessions/\(id)")
        }
    }

    private func list(_ request: Request, _ context: ConsoleRequestContext) async throws -> Response {
        let query = PageKit.query(request)
        let fields = FilterFields(fields: query, names: Self.filterNames)
        let (since, until) = try fields.timeRange()
        let filter = SessionFilter(
            status: try fields.choice("status", SessionStatus.self), mgOCID: try fields.number("mg", "mg"),
            merchantOCID: try fields.number("merchant", "merchant"), since: since, until: until, text: fields.text("q"),
            after: try Self.cursor(query["after"]), limit: Self.pageSize + 1)
        let sessions = try await stores.sessions.list(filter)
        let (shown, next) = PageKit.paginate(sessions, size: Self.pageSize) { Self.cursorText(SessionCursor($0.session)) }
        let values: [String: Any] = [
            "filter": fields.values,
            "statuses": SessionStatus.allCases.map { ["name": $0.rawValue, "selected": $0 == filter.status] },
            "rows": shown.map(Self.row),
            "next": next,
        ]
        return try kit.page(context, .sessions, "sessions", title: "Sessions", values)
    }

    private func show(_ context: ConsoleRequestContext) async throws -> Response {
        let id = try Self.id(context)
        guard let overview = try await stores.sessions.overview(id: id) else {
            throw ConsoleError.notFound("session \(id) does not exist")
        }
        let session = overview.session
        let charges = try await stores.charges.charges(sessionID: id)
        let proof = try await stores.proofs.proof(sessionID: id)
        var timeline = SessionTimeline(session: session)
        timeline.add(charges)
        var values: [String: Any] = [
            "id": session.id, "status": session.status, "bad": Self.isBad(session.status),
            "merchant": overview.merchantName ?? session.merchantName ?? "", "merchantOCID": "\(session.merchantOCID)",
            "mg": "\(session.mgOCID)", "order": session.orderID, "amount": session.amount, "currency": session.currency,
            "expires": ConsoleRenderer.time(Date(timeIntervalSince1970: TimeInterval(session.expiresAt))),
            "orderJSON": JobsPages.readable(Data(session.orderJSON.utf8)), "orderSignature": session.orderSignature,
            "charges": charges.map { charge -> [String: Any] in
                [
                    "reference": charge.reference, "backend": charge.backend, "state": charge.state.rawValue,
                    "created": ConsoleRenderer.time(charge.createdAt), "processorID": charge.processorID ?? "",
                ]
            },
        ]
        if let proof {
            values["txid"] = proof.txid
            values["proofJSON"] = JobsPages.readable(Data(proof.proofJSON.utf8))
            values["proofSignature"] = proof.signature
            values["deliveryState"] = proof.deliveryState.rawValue
            values["late"] = try await stores.proofs.isLate(sessionID: id)
            let key = ProofDeliveryJob(txid: proof.txid).uniqueKey ?? ""
            var deliveries: [JobDetail] = []
            for job in try await stores.jobs.jobs(uniqueKeys: [key]) {
                if let detail = try await stores.jobs.show(id: job.id) { deliveries.append(detail) }
            }
            timeline.add(proof, deliveries: deliveries)
        }
        values["timeline"] = timeline.rows
        return try kit.page(context, .sessions, "session", title: "Session \(session.id)", values)
    }

    static func row(_ overview: SessionOverview) -> [String: Any] {
        let session = overview.session
        return [
            "id": session.id, "created": ConsoleRenderer.time(session.createdAt), "order": session.orderID,
            "mg": "\(session.mgOCID)", "merchant": overview.merchantName ?? session.merchantName ?? "\(session.merchantOCID)",
            "amount": session.amount, "currency": session.currency, "status": session.status,
            "bad": isBad(session.status),
        ]
    }

    private static func isBad(_ status: String) -> Bool { status == "failed" || status == "expired" }

    /// `<created ms>.<session id>`: where the next page starts.
    static func cursorText(_ cursor: SessionCursor) -> String {
        "\(Int64((cursor.createdAt.timeIntervalSince1970 * 1000).rounded())).\(cursor.id)"
    }

    static func cursor(_ text: String?) throws -> SessionCursor? {
        guard let text else { return nil }
        let parts = text.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let millis = Int64(parts[0]) else {
            throw ConsoleError.badRequest("after must be a page cursor from the sessions listing")
        }
        return SessionCursor(createdAt: Date(timeIntervalSince1970: TimeInterval(millis) / 1000), id: String(parts[1]))
    }

    static func id(_ context: ConsoleRequestContext) throws -> String {
        guard let id = context.parameters.get("id"), !id.isEmpty else { throw ConsoleError.badRequest("a session id is needed") }
        return id
    }
}

/// A session's life in time order: created, each charge, the proof, every delivery attempt, the MG's acceptance.
/// The hosted page's opening is not stored, so it is not shown.
struct SessionTimeline {
    private var events: [(time: Date, what: String, detail: String, link: String?)] = []

    init(session: CheckoutSessionRecord) {
        events.append((session.createdAt, "created", "order \(session.orderID) from MG \(session.mgOCID)", nil))
    }

    mutating func add(_ charges: [ChargeRecord]) {
        for charge in charges {
            events.append((charge.createdAt, "charge \(charge.state.rawValue)", "\(charge.reference) (\(charge.backend))", nil))
        }
    }

    mutating func add(_ proof: StoredProof, deliveries: [JobDetail]) {
        events.append((proof.issuedAt, "proof issued", proof.txid, nil))
        for detail in deliveries {
            for attempt in detail.attempts {
                var text = "attempt \(attempt.attempt): \(attempt.outcome.rawValue)"
                if let status = attempt.httpStatus { text += ", HTTP \(status)" }
                if let error = attempt.error { text += ": \(error)" }
                events.append((attempt.startedAt, "delivery", text, "/jobs/\(detail.job.id)"))
            }
        }
        if let delivered = proof.deliveredAt {
            events.append((delivered, "delivery \(proof.deliveryState.rawValue)", "by MG \(proof.mgOCID)", nil))
        }
    }

    var rows: [[String: Any]] {
        events.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map { _, event in
            var row: [String: Any] = ["time": ConsoleRenderer.time(event.time), "what": event.what, "detail": event.detail]
            if let link = event.link { row["link"] = link }
            return row
        }
    }
}
