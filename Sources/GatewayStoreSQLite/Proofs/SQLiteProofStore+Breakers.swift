import Foundation
import GRDB
import GatewayStore

// One UPSERT per transition, so concurrent workers (and processes) count every failure.
extension SQLiteProofStore {
    /// Counts a failed delivery to `mgOCID`; at `threshold` failures in a row (and on every failure after it)
    /// the breaker opens for `pause`. Returns the breaker as it is now.
    func recordDeliveryFailure(mgOCID: UInt64, threshold: Int, pause: Duration, now: Date) async throws
        -> DeliveryBreaker
    {
        let reopenAt = now.adding(pause).millis
        return try await database.write { db in
            try db.cachedStatement(sql: """
                    INSERT INTO delivery_breakers (mg_ocid, consecutive_failures, open_until, updated_at)
                    VALUES (?1, 1, CASE WHEN 1 >= ?2 THEN ?3 END, ?4)
                    ON CONFLICT(mg_ocid) DO UPDATE SET
                        consecutive_failures = consecutive_failures + 1,
                        open_until = CASE WHEN consecutive_failures + 1 >= ?2 THEN ?3 ELSE open_until END,
                        updated_at = ?4
                    """).execute(arguments: [Int64(bitPattern: mgOCID), threshold, reopenAt, now.millis])
            guard let breaker = try Self.fetchBreaker(mgOCID, in: db) else {
                throw StoreError.inconsistent("the breaker of MG \(mgOCID) vanished inside its own upsert")
            }
            return breaker
        }
    }

    /// The breaker of one MG; nil if no delivery to it ever failed.
    func breaker(mgOCID: UInt64) async throws -> DeliveryBreaker? {
        try await database.readSingleStatement { db in try Self.fetchBreaker(mgOCID, in: db) }
    }

    /// Every MG with failures counted or a pause set, most failing first (for `jobs stats`).
    func troubledBreakers() async throws -> [DeliveryBreaker] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM delivery_breakers WHERE consecutive_failures > 0 OR open_until IS NOT NULL
                    ORDER BY consecutive_failures DESC, mg_ocid < 0, mg_ocid
                    """
            ).map(Self.breaker)
        }
    }

    private static func fetchBreaker(_ mgOCID: UInt64, in db: Database) throws -> DeliveryBreaker? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM delivery_breakers WHERE mg_ocid = ?"), arguments: [Int64(bitPattern: mgOCID)])
            .map(breaker)
    }

    private static func breaker(_ row: Row) -> DeliveryBreaker {
        DeliveryBreaker(
            mgOCID: UInt64(bitPattern: row["mg_ocid"]), consecutiveFailures: row["consecutive_failures"],
            openUntil: (row["open_until"] as Int64?).map { Date(millis: $0) }, updatedAt: Date(millis: row["updated_at"]))
    }
}
