import Foundation

/// One MG's unsettled ledger entries in one currency, before a cut-off: what one statement would net.
public struct SettlementGroup: Sendable, Equatable {
    public var mgOCID: UInt64
    public var currency: String
    /// The entries a statement would take, oldest first.
    public var entries: [LedgerEntry]
    /// Entries before the cut-off that cannot be settled yet, by their proof's delivery state.
    public var heldBack: [DeliveryState: [LedgerEntry]]
    /// Where the period starts: the previous statement's cut-off for this MG and currency, if any.
    public var periodStart: Date?

    public init(
        mgOCID: UInt64, currency: String, entries: [LedgerEntry], heldBack: [DeliveryState: [LedgerEntry]] = [:],
        periodStart: Date? = nil
    ) {
        self.mgOCID = mgOCID
        self.currency = currency
        self.entries = entries
        self.heldBack = heldBack
        self.periodStart = periodStart
    }

    /// The group `entry` starts: its MG and currency, empty until `file` takes the entry.
    public init(startedBy entry: LedgerEntry, periodStart: Date?) {
        self.init(mgOCID: entry.mgOCID, currency: entry.currency, entries: [], periodStart: periodStart)
    }

    /// Whether `entry`, read in a backend's order (MG, then currency), starts a new group after `last`.
    public static func isStarted(by entry: LedgerEntry, after last: SettlementGroup?) -> Bool {
        last?.mgOCID != entry.mgOCID || last?.currency != entry.currency
    }

    /// Takes `entry` if `scope` settles its proof's delivery `state`, else holds it back under that state.
    public mutating func file(_ entry: LedgerEntry, state: DeliveryState, scope: SettlementScope) {
        if scope.settleableStates.contains(state) {
            entries.append(entry)
        } else {
            heldBack[state, default: []].append(entry)
        }
    }
}

/// Which ledger entries a settlement run may take.
public struct SettlementScope: Sendable, Equatable {
    /// Entries created strictly before this instant.
    public var cutOff: Date
    /// Only this MG; nil for all.
    public var mgOCID: UInt64?
    /// True: only entries whose proof the MG accepted. False: every issued proof's entry.
    public var requireAccepted: Bool

    public init(cutOff: Date, mgOCID: UInt64? = nil, requireAccepted: Bool) {
        self.cutOff = cutOff
        self.mgOCID = mgOCID
        self.requireAccepted = requireAccepted
    }

    /// The delivery states whose entries this scope settles.
    public var settleableStates: Set<DeliveryState> { requireAccepted ? [.accepted] : Set(DeliveryState.allCases) }
}
