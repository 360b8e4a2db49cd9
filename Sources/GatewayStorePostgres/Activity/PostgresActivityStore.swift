import Foundation
import GatewayStore
import PostgresNIO

/// The console's activity readings, counted by PostgreSQL: one statement joins every minute of the window
/// (`generate_series`, so empty minutes come back as zeros) to each series' per-minute counts, each read by a time
/// index (sessions and charges by `created_at`, proofs by `issued_at`, attempts by `started_at`).
struct PostgresActivityStore: ActivityStore {
    let database: PostgresDatabase

    func perMinute(from: Date, to: Date) async throws -> [ActivityMinute] {
        let window = MinuteWindow(from: from, to: to)
        guard window.first < window.end else { return [] }
        let (low, high) = (window.startMillis, window.endMillis)
        let rows = try await database.run("""
            WITH checkouts AS (
                SELECT created_at / 60000 AS minute, count(*) AS n FROM checkout_sessions
                WHERE created_at >= \(low) AND created_at < \(high) GROUP BY 1
            ), payments AS (
                SELECT created_at / 60000 AS minute, count(*) AS n FROM payment_charges
                WHERE created_at >= \(low) AND created_at < \(high) GROUP BY 1
            ), proofs AS (
                SELECT issued_at / 60000 AS minute, count(*) AS n FROM transfer_proofs
                WHERE issued_at >= \(low) AND issued_at < \(high) GROUP BY 1
            ), deliveries AS (
                SELECT a.started_at / 60000 AS minute, count(*) FILTER (WHERE a.outcome = 'succeeded') AS succeeded,
                    count(*) FILTER (WHERE a.outcome <> 'succeeded') AS failed
                FROM job_attempts a JOIN jobs j ON j.id = a.job_id
                WHERE a.started_at >= \(low) AND a.started_at < \(high) AND j.kind = 'callback.deliver'
                    AND a.outcome <> 'released'
                GROUP BY 1
            )
            SELECT m.minute, COALESCE(c.n, 0) AS checkouts, COALESCE(p.n, 0) AS payments, COALESCE(r.n, 0) AS proofs,
                COALESCE(d.succeeded, 0) AS deliveries, COALESCE(d.failed, 0) AS failures
            FROM generate_series(\(window.first), \(window.end - 1)) AS m (minute)
            LEFT JOIN checkouts c USING (minute) LEFT JOIN payments p USING (minute) LEFT JOIN proofs r USING (minute)
            LEFT JOIN deliveries d USING (minute)
            ORDER BY m.minute
            """)
        return try rows.map { row in
            let (minute, checkouts, payments, proofs, deliveries, failures) =
                try row.decode((Int64, Int64, Int64, Int64, Int64, Int64).self)
            return ActivityMinute(
                minute: Date(millis: minute * MinuteWindow.millisPerMinute), checkouts: Int(checkouts),
                payments: Int(payments), proofs: Int(proofs), deliveries: Int(deliveries), deliveryFailures: Int(failures))
        }
    }

    func deliveryStats(since: Date) async throws -> [MGDeliveryStats] {
        try await database.run("""
            SELECT j.mg_ocid, count(*) AS attempts, count(*) FILTER (WHERE a.outcome = 'succeeded') AS succeeded,
                round(avg(a.duration_ms))::bigint AS mean, max(a.duration_ms) AS longest
            FROM job_attempts a JOIN jobs j ON j.id = a.job_id
            WHERE a.started_at >= \(since.millis) AND j.kind = 'callback.deliver' AND j.mg_ocid IS NOT NULL
                AND a.outcome <> 'released'
            GROUP BY j.mg_ocid
            """
        ).map { row in
            let (mg, attempts, succeeded, mean, longest) = try row.decode((Int64, Int64, Int64, Int64, Int64).self)
            return MGDeliveryStats(
                mgOCID: UInt64(bitPattern: mg), attempts: Int(attempts), succeeded: Int(succeeded),
                meanMilliseconds: mean, maxMilliseconds: longest)
        }.sorted { $0.mgOCID < $1.mgOCID }
    }
}
