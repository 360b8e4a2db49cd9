import Foundation

/// Settlement statements over the MG ledger.
///
/// Guarantees every backend keeps, also when settlement runs race on different hosts:
/// - `settle` is one atomic operation: it claims the group's open entries by marking them with the statement (never
///   by a time or id watermark: ids and timestamps do not follow commit order), stores the statement and its
///   membership, and enqueues the notify job; a crash leaves the whole statement or nothing.
/// - An entry is in at most one statement (a unique key on membership, and the claim only takes entries no
///   statement holds); one statement exists per MG, currency and cut-off, so a re-run or a racing run finds it.
public protocol SettlementStore: Sendable {
    /// The groups a run with this scope would settle now, with what it would hold back. Nothing is written.
    func groups(_ scope: SettlementScope) async throws -> [SettlementGroup]

    /// Settles one MG's entries in one currency up to the scope's cut-off (see the protocol's guarantees).
    /// - Parameters:
    ///   - build: makes the statement of a group; it runs inside the atomic operation, so keep it to computation.
    ///   - notifyJob: the `settle.notify` job of a statement id, or nil when this MG gets no deliveries.
    ///   - beforeCommit: runs after every write, before the commit (the crash tests stop the process there).
    func settle(
        mgOCID: UInt64, currency: String, scope: SettlementScope, now: Date,
        build: @escaping @Sendable (SettlementGroup) throws -> StoredStatement,
        notifyJob: @escaping @Sendable (String) -> NewJob?,
        beforeCommit: @escaping @Sendable () -> Void
    ) async throws -> StatementOutcome

    /// The statement with this id.
    func statement(id: String) async throws -> StoredStatement?

    /// Statements, oldest cut-off first, optionally only those of one cut-off or one MG.
    func statements(cutOff: Date?, mgOCID: UInt64?) async throws -> [StoredStatement]

    /// Statements whose files a run did not get to write (it died after its commit).
    func statementsMissingFiles() async throws -> [StoredStatement]

    /// The ledger entries a statement took, oldest first.
    func entries(statementID: String) async throws -> [LedgerEntry]

    /// Records that a statement's files are in place.
    func markFilesWritten(statementID: String, at time: Date) async throws

    /// Records how the MG answered a statement delivery.
    func recordNotify(statementID: String, state: DeliveryState) async throws

    /// Every ledger entry created in `[from, to)` with its proof's delivery state, ordered by MG, currency, time
    /// and txid.
    func ledgerWithDeliveries(from: Date?, to: Date?) async throws -> [DeliveredLedgerEntry]

    /// Per MG and currency, what is settled and what is still owed (for metrics gauges).
    func totals() async throws -> [SettlementTotals]
}

extension SettlementStore {
    /// Settles with nothing to run before the commit.
    public func settle(
        mgOCID: UInt64, currency: String, scope: SettlementScope, now: Date,
        build: @escaping @Sendable (SettlementGroup) throws -> StoredStatement,
        notifyJob: @escaping @Sendable (String) -> NewJob?
    ) async throws -> StatementOutcome {
        try await settle(
            mgOCID: mgOCID, currency: currency, scope: scope, now: now, build: build, notifyJob: notifyJob,
            beforeCommit: {})
    }

    /// Every statement, oldest cut-off first.
    public func statements() async throws -> [StoredStatement] {
        try await statements(cutOff: nil, mgOCID: nil)
    }
}

/// A ledger entry with where its proof's delivery stands.
public struct DeliveredLedgerEntry: Sendable, Equatable {
    public var ledger: LedgerEntry
    public var sessionID: String
    public var deliveryState: DeliveryState

    public init(ledger: LedgerEntry, sessionID: String, deliveryState: DeliveryState) {
        self.ledger = ledger
        self.sessionID = sessionID
        self.deliveryState = deliveryState
    }
}

/// A settlement write that would break the ledger's invariants; the statement is rolled back.
public enum SettlementStoreError: Error, Sendable, CustomStringConvertible {
    case entryAlreadySettled(String)

    public var description: String {
        switch self {
        case .entryAlreadySettled(let txid): "ledger entry \(txid) is already in a statement"
        }
    }
}

/// Per MG and currency, what is settled and what is still owed, summed in floating point: for metrics gauges only
/// (floats anyway); exact figures come from `ocgate settle report`.
public struct SettlementTotals: Sendable, Equatable {
    public var mgOCID: UInt64
    public var currency: String
    public var statements: Int
    public var settledAmount: Double
    public var unsettledEntries: Int
    public var unsettledAmount: Double

    public init(
        mgOCID: UInt64, currency: String, statements: Int, settledAmount: Double, unsettledEntries: Int,
        unsettledAmount: Double
    ) {
        self.mgOCID = mgOCID
        self.currency = currency
        self.statements = statements
        self.settledAmount = settledAmount
        self.unsettledEntries = unsettledEntries
        self.unsettledAmount = unsettledAmount
    }
}
