import Foundation
import GatewayStore
import Hummingbird

/// Per Merchant Gateway: partner status with enable/disable, metadata cache age, delivery success and latency over
/// the last hour, breaker state, and what is still owed per currency.
struct GatewaysPage: Sendable {
    let stores: GatewayStores
    let actions: ConsoleActions
    let time: any TimeSource
    let kit: PageKit

    func register(on router: Router<ConsoleRequestContext>) {
        router.get("/mgs") { _, context in try await show(context) }
        router.post("/mgs/:ocid/enable") { _, context in
            try await kit.after(context, actions.setPartner(try Self.ocid(context), .enabled, client: context.client), to: "/mgs")
        }
        router.post("/mgs/:ocid/disable") { _, context in
            try await kit.after(context, actions.setPartner(try Self.ocid(context), .disabled, client: context.client), to: "/mgs")
        }
    }

    private func show(_ context: ConsoleRequestContext) async throws -> Response {
        let now = time.now()
        let partners = Dictionary(uniqueKeysWithValues: try await stores.partners.all().map { ($0.ocid, $0) })
        let deliveries = Dictionary(
            uniqueKeysWithValues: try await stores.activity.deliveryStats(since: now.addingTimeInterval(-3600)).map { ($0.mgOCID, $0) })
        let breakers = Dictionary(uniqueKeysWithValues: try await stores.deliveries.troubledBreakers().map { ($0.mgOCID, $0) })
        let totals = Dictionary(grouping: try await stores.settlement.totals(), by: \.mgOCID)
        let ocids = Set(partners.keys).union(deliveries.keys).union(breakers.keys).union(totals.keys).sorted()
        var rows: [[String: Any]] = []
        for ocid in ocids {
            var row: [String: Any] = ["ocid": "\(ocid)", "name": partners[ocid]?.name ?? ""]
            if let partner = partners[ocid] {
                let disabled = partner.status == .disabled
                row["status"] = partner.status.rawValue
                row["disabled"] = disabled
                row["toggle"] = disabled ? "enable" : "disable"
                row["toggleLabel"] = disabled ? "Enable" : "Disable"
            }
            let fetched = try await stores.peerDocuments.document(for: ocid)?.fetchedAt
            row["metadataAge"] = fetched.map { "\(OverviewPage.age(.seconds(max(0, Int64(now.timeIntervalSince($0)))))) ago" } ?? "not cached"
            let stats = deliveries[ocid]
            row["attempts"] = stats?.attempts ?? 0
            row["successRate"] = stats?.successRate.map { String(format: "%.1f %%", $0 * 100) } ?? "–"
            row["latency"] = stats.map { "\($0.meanMilliseconds) / \($0.maxMilliseconds)" } ?? "–"
            if let breaker = breakers[ocid] {
                if breaker.isOpen(at: now) { row["paused"] = ConsoleRenderer.time(breaker.openUntil) }
                row["failing"] = breaker.consecutiveFailures > 0
                row["failures"] = breaker.consecutiveFailures
            }
            row["unsettled"] = (totals[ocid] ?? []).filter { $0.unsettledEntries > 0 }.map { total -> [String: Any] in
                ["amount": String(format: "%.2f", total.unsettledAmount), "currency": total.currency, "entries": total.unsettledEntries]
            }
            rows.append(row)
        }
        return try kit.page(context, .gateways, "gateways", title: "Merchant Gateways", ["rows": rows])
    }

    static func ocid(_ context: ConsoleRequestContext) throws -> UInt64 {
        guard let text = context.parameters.get("ocid"), let ocid = UInt64(text) else {
            throw ConsoleError.badRequest("an OCID is a whole number")
        }
        return ocid
    }
}
