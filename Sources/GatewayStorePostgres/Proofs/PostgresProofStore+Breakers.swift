import Foundation
import GatewayStore
import PostgresNIO

// One upsert per failure, so failures on every host are each counted once.
extension PostgresProofStore {
    func recordDeliveryFailure(mgOCID: UInt64, threshold: Int, pause: Duration, now: Date) async throws
        -> DeliveryBreaker
    {
        let reopenAt = now.adding(pause).millis
        let limit = Int64(threshold)
        let rows = try await database.run("""
            INSERT INTO delivery_breakers AS b (mg_ocid, consecutive_failures, open_until, updated_at)
            VALUES (\(mgOCID.stored), 1, CASE WHEN 1 >= \(limit) THEN \(reopenAt) END, \(now.millis))
            ON CONFLICT (mg_ocid) DO UPDATE SET
                consecutive_failures = b.consecutive_failures + 1,
                open_until = CASE WHEN b.consecutive_failures + 1 >= \(limit) THEN \(reopenAt) ELSE b.open_until END,
                updated_at = excluded.updated_at
            RETURNING *
            """)
        guard let row = rows.first else {
            throw StoreError.inconsistent("the breaker of MG \(mgOCID) vanished inside its own upsert")
        }
        return try Self.breaker(row)
    }

    /// Prepared: every delivery reads its MG's breaker first (see `session(id:)`).
    func breaker(mgOCID: UInt64) async throws -> DeliveryBreaker? {
        var query = DynamicQuery("SELECT * FROM delivery_breakers WHERE mg_ocid = ")
        query.append(query.bind(mgOCID.stored))
        return try await database.run(query, as: BreakerByMG.self).first.map(Self.breaker)
    }

    func troubledBreakers() async throws -> [DeliveryBreaker] {
        try await database.run("""
            SELECT * FROM delivery_breakers WHERE consecutive_failures > 0 OR open_until IS NOT NULL
            ORDER BY consecutive_failures DESC, mg_ocid < 0, mg_ocid
            """).map(Self.breaker)
    }

    private static func breaker(_ row: PostgresRow) throws -> DeliveryBreaker {
        let r = row.makeRandomAccess()
        return DeliveryBreaker(
            mgOCID: try r.ocid("mg_ocid"), consecutiveFailures: Int(try r.get("consecutive_failures", as: Int64.self)),
            openUntil: try r.optionalDate("open_until"), updatedAt: try r.date("updated_at"))
    }
}

/// `breaker(mgOCID:)`'s statement (`PreparedShape`).
private enum BreakerByMG: PreparedShape {
    static let text = PreparedText()
}
