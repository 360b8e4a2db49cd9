import Foundation
import GRDB

/// One ledger entry as reconciliation sees it: what it is worth, how its proof's delivery stands and whether a
/// statement took it.
public struct ReconciliationEntry: Sendable, Equatable {
    public var ledger: LedgerEntry
    public var sessionID: String
    public var deliveryState: DeliveryState
    /// The delivery job's state (`queued` while retrying, `dead` once given up); nil when pruned.
    public var deliveryJobState: JobState?
    public var deliveryAttempts: Int
    /// When the next delivery attempt runs, for a queued job.
    public var nextAttemptAt: Date?
    public var lastError: String?
}

extension SettlementStore {
    /// Every ledger entry created in `[from, to)`, oldest first, with its proof's delivery and its delivery job.
    /// - Parameter deliveryKeyPrefix: the delivery jobs' unique key prefix (the job kind and a colon); the key
    ///   ends with the txid.
    public func reconciliation(from: Date?, to: Date?, deliveryKeyPrefix: String) async throws -> [ReconciliationEntry] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT l.*, p.delivery_state, p.session_id, j.state AS job_state, j.attempt, j.run_at, j.last_error
                    FROM ledger_entries l JOIN transfer_proofs p ON p.txid = l.txid
                    LEFT JOIN jobs j ON j.unique_key = ? || l.txid
                    WHERE l.created_at >= ? AND l.created_at < ?
                    ORDER BY l.mg_ocid, l.currency, l.created_at, l.txid
                    """,
                arguments: [deliveryKeyPrefix, from?.millis ?? Int64.min, to?.millis ?? Int64.max]
            ).map { row in
                let jobState = (row["job_state"] as String?).flatMap(JobState.init(rawValue:))
                return ReconciliationEntry(
                    ledger: ProofStore.ledgerEntry(row), sessionID: row["session_id"],
                    deliveryState: DeliveryState(rawValue: row["delivery_state"]) ?? .pending,
                    deliveryJobState: jobState, deliveryAttempts: row["attempt"] ?? 0,
                    nextAttemptAt: jobState == .queued ? (row["run_at"] as Int64?).map { Date(millis: $0) } : nil,
                    lastError: row["last_error"])
            }
        }
    }
}
