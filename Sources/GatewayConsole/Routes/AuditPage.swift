import Foundation
import GatewayStore
import Hummingbird

/// Every audited action, newest first.
struct AuditPage: Sendable {
    static let pageSize = 50

    let stores: GatewayStores
    let kit: PageKit

    func register(on router: Router<ConsoleRequestContext>) {
        router.get("/audit") { request, context in
            let fields = FilterFields(fields: PageKit.query(request), names: ["before"])
            let entries = try await stores.audit.entries(beforeID: try fields.number("before", "before"), limit: Self.pageSize + 1)
            let (shown, next) = PageKit.paginate(entries, size: Self.pageSize) { "\($0.id)" }
            let values: [String: Any] = [
                "rows": shown.map { entry -> [String: Any] in
                    [
                        "time": ConsoleRenderer.time(entry.at), "action": entry.action, "target": entry.target,
                        "outcome": entry.outcome, "client": entry.client,
                    ]
                },
                "next": next,
            ]
            return try kit.page(context, .audit, "audit", title: "Audit log", values)
        }
    }
}
