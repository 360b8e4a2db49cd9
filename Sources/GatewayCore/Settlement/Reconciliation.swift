import Foundation
import GatewayStore
import Opencharge

/// `ocgate settle report`: per MG and currency, what was issued, delivered, accepted and settled, and the proofs
/// whose delivery is stuck, so an operator sees at a glance what is owed and what needs a hand.
public struct Reconciliation: Sendable {
    /// One MG and currency.
    public struct Line: Sendable, Equatable {
        public var mgOCID: UInt64
        public var currency: String
        /// Every proof issued (each has one ledger entry).
        public var issued = Tally()
        /// Proofs the MG answered definitively (accepted or rejected).
        public var delivered = Tally()
        public var accepted = Tally()
        /// Entries in a statement.
        public var settled = Tally()
        /// Entries not yet in a statement: still owed.
        public var unsettled = Tally()
    }

    /// A count and an exact sum.
    public struct Tally: Sendable, Equatable {
        public var count = 0
        public var total = DecimalAmount.zero

        mutating func add(_ amount: DecimalAmount) {
            count += 1
            total += amount
        }
    }

    /// A proof whose delivery is dead, rejected, or failing and being retried.
    public struct StuckProof: Sendable, Equatable {
        public var entry: ReconciliationEntry
        /// `dead`, `rejected` or `retrying`.
        public var condition: String
    }

    public var lines: [Line] = []
    public var stuck: [StuckProof] = []
    /// Ledger amounts that are not exact decimals (never written by this gateway; a damaged database).
    public var invalid: [String] = []

    /// Reconciles `entries` (as `SettlementStore.reconciliation` reads them).
    public init(_ entries: [ReconciliationEntry]) {
        for entry in entries {
            guard let amount = DecimalAmount(entry.ledger.amount) else {
                invalid.append(SettlementError.invalidAmount(txid: entry.ledger.txid, amount: entry.ledger.amount).description)
                continue
            }
            if lines.last?.mgOCID != entry.ledger.mgOCID || lines.last?.currency != entry.ledger.currency {
                lines.append(Line(mgOCID: entry.ledger.mgOCID, currency: entry.ledger.currency))
            }
            lines[lines.count - 1].add(entry, amount)
            if let condition = Self.stuckCondition(entry) { stuck.append(StuckProof(entry: entry, condition: condition)) }
        }
    }

    /// The report for entries created in `[from, to)`.
    public static func load(_ stores: GatewayStores, from: Date?, to: Date?) async throws -> Reconciliation {
        let entries = try await stores.settlement.ledgerWithDeliveries(from: from, to: to)
        let keys = entries.map { ProofDeliveryJob(txid: $0.ledger.txid).uniqueKey ?? "" }
        let jobs = Dictionary(
            try await stores.jobs.jobs(uniqueKeys: keys).map { ($0.uniqueKey ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        return Reconciliation(zip(entries, keys).map { entry, key in ReconciliationEntry(entry, deliveryJob: jobs[key]) })
    }

    private static func stuckCondition(_ entry: ReconciliationEntry) -> String? {
        switch entry.deliveryState {
        case .dead: "dead"
        case .rejected: "rejected"
        case .accepted: nil
        case .pending:
            switch entry.deliveryJobState {
            case .dead: "dead"
            case .queued, .running: entry.deliveryAttempts > 0 ? "retrying" : nil
            case .succeeded, .cancelled, nil: nil
            }
        }
    }
}

extension Reconciliation.Line {
    fileprivate mutating func add(_ entry: ReconciliationEntry, _ amount: DecimalAmount) {
        issued.add(amount)
        if entry.deliveryState == .accepted || entry.deliveryState == .rejected { delivered.add(amount) }
        if entry.deliveryState == .accepted { accepted.add(amount) }
        if entry.ledger.statementID != nil { settled.add(amount) } else { unsettled.add(amount) }
    }
}
