import Foundation
import GatewayStore
import Opencharge

/// What a settlement run did (or, for a dry run, would do).
public struct SettlementResult: Sendable {
    public var cutOff: Date
    /// Statements this run committed.
    public var created: [StoredStatement] = []
    /// Statements a dry run would commit.
    public var planned: [StoredStatement] = []
    /// Statements for this cut-off that an earlier (or racing) run committed.
    public var existing: [StoredStatement] = []
    /// Statements whose files an earlier run had not written, written by this one.
    public var repaired: [String] = []
    /// Entries before the cut-off left out, per MG, currency and delivery state of their proof.
    public var heldBack: [HeldBackEntries] = []
    /// Settleable entries of an MG and currency whose statement for this cut-off already existed (their proofs
    /// were accepted after it was written): the next cut-off's statement takes them.
    public var deferred: [HeldBackEntries] = []
    /// What could not be settled, one line each.
    public var failures: [String] = []

    public init(cutOff: Date) { self.cutOff = cutOff }

    /// True when nothing that should have been settled was left out: no failures, and no entry held back because
    /// its proof was rejected or is dead (those need an operator; entries still being delivered are only waiting).
    public var isComplete: Bool { failures.isEmpty && !heldBack.contains(where: \.needsOperator) }

    mutating func note(heldBackOf group: SettlementGroup) {
        for state in DeliveryState.allCases {
            guard let entries = group.heldBack[state], !entries.isEmpty else { continue }
            heldBack.append(tally(entries, of: group, state: state))
        }
    }

    mutating func note(deferred group: SettlementGroup) {
        deferred.append(tally(group.entries, of: group, state: .accepted))
    }

    private mutating func tally(_ entries: [LedgerEntry], of group: SettlementGroup, state: DeliveryState) -> HeldBackEntries {
        var total = DecimalAmount.zero
        for entry in entries {
            guard let amount = DecimalAmount(entry.amount) else {
                failures.append(SettlementError.invalidAmount(txid: entry.txid, amount: entry.amount).description)
                continue
            }
            total += amount
        }
        return HeldBackEntries(
            mgOCID: group.mgOCID, currency: group.currency, deliveryState: state, count: entries.count,
            total: total.description)
    }
}

/// Ledger entries a run left out because of how their proofs' deliveries stand.
public struct HeldBackEntries: Sendable, Equatable {
    public var mgOCID: UInt64
    public var currency: String
    public var deliveryState: DeliveryState
    public var count: Int
    public var total: String

    /// Rejected or dead deliveries never settle on their own: an operator must retry or reconcile them.
    public var needsOperator: Bool { deliveryState == .rejected || deliveryState == .dead }

    /// Why these entries were left out, for the operator.
    public var reason: String {
        switch deliveryState {
        case .pending: "proof not yet accepted by the MG (delivery in progress)"
        case .rejected: "proof rejected by the MG: reconcile it, or retry its delivery (ocgate jobs retry)"
        case .dead: "proof delivery is dead: retry it (ocgate jobs retry --all-dead --kind callback.deliver)"
        case .accepted: "accepted"
        }
    }
}
