import Foundation
import GatewayStore

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

    /// The entry with its delivery job, if that job still exists.
    public init(_ entry: DeliveredLedgerEntry, deliveryJob job: Job?) {
        ledger = entry.ledger
        sessionID = entry.sessionID
        deliveryState = entry.deliveryState
        deliveryJobState = job?.state
        deliveryAttempts = job?.attempt ?? 0
        nextAttemptAt = job?.state == .queued ? job?.runAt : nil
        lastError = job?.lastError
    }
}
