import Foundation
import GRDB
import GatewayStore

/// The console's activity readings from the spool, counted by SQLite per minute (one row per minute and series
/// with activity; `MinuteWindow` adds the empty minutes). Every series is read by a time index: sessions by
/// `created_at`, charges by `created_at`, proofs by `issued_at`, attempts by `started_at`.
struct SQLiteActivityStore: ActivityStore {
    let database: SQLiteDatabase

    func perMinute(from: Date, to: Date) async throws -> [ActivityMinute] {
        let window = MinuteWindow(from: from, to: to)
        guard window.first < window.end else { return [] }
        let counted = try await database.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT 'checkouts' AS series, created_at / 60000 AS minute, count(*) AS n FROM checkout_sessions
                WHERE created_at >= ?1 AND created_at < ?2 GROUP BY 2
                UNION ALL
                SELECT 'payments', created_at / 60000, count(*) FROM payment_charges
                WHERE created_at >= ?1 AND created_at < ?2 GROUP BY 2
                UNION ALL
                SELECT 'proofs', issued_at / 60000, count(*) FROM transfer_proofs
                WHERE issued_at >= ?1 AND issued_at < ?2 GROUP BY 2
                UNION ALL
                SELECT CASE a.outcome WHEN 'succeeded' THEN 'deliveries' ELSE 'failures' END,
                    a.started_at / 60000, count(*)
                FROM job_attempts a JOIN jobs j ON j.id = a.job_id
                WHERE a.started_at >= ?1 AND a.started_at < ?2 AND j.kind = 'callback.deliver'
                    AND a.outcome <> 'released'
                GROUP BY 1, 2
                """, arguments: [window.startMillis, window.endMillis])
            var counted: [Int64: ActivityMinute] = [:]
            for row in rows {
                let minute: Int64 = row["minute"]
                let n: Int = row["n"]
                var reading = counted[minute] ?? ActivityMinute(number: minute)
                switch row["series"] as String {
                case "checkouts": reading.checkouts = n
                case "payments": reading.payments = n
                case "proofs": reading.proofs = n
                case "deliveries": reading.deliveries = n
                default: reading.deliveryFailures = n
                }
                counted[minute] = reading
            }
            return counted
        }
        return window.readings(counted)
    }

    func deliveryStats(since: Date) async throws -> [MGDeliveryStats] {
        try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT j.mg_ocid, count(*) AS attempts, sum(a.outcome = 'succeeded') AS succeeded,
                    CAST(round(avg(a.duration_ms)) AS INTEGER) AS mean, max(a.duration_ms) AS longest
                FROM job_attempts a JOIN jobs j ON j.id = a.job_id
                WHERE a.started_at >= ? AND j.kind = 'callback.deliver' AND j.mg_ocid IS NOT NULL
                    AND a.outcome <> 'released'
                GROUP BY j.mg_ocid
                """, arguments: [since.millis]
            ).map { row in
                MGDeliveryStats(
                    mgOCID: UInt64(bitPattern: row["mg_ocid"]), attempts: row["attempts"], succeeded: row["succeeded"],
                    meanMilliseconds: row["mean"], maxMilliseconds: row["longest"])
            }.sorted { $0.mgOCID < $1.mgOCID }
        }
    }
}
