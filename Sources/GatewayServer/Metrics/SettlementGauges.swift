import GatewayStore

/// Settlement per MG and currency: statements written and their total (`ocgate_statements`,
/// `ocgate_settled_amount`), and ledger entries not yet in a statement (`ocgate_unsettled_entries`,
/// `ocgate_unsettled_amount`), so an alert can fire when what is owed keeps growing.
public struct SettlementGauges: MetricSource {
    let settlement: any SettlementStore

    public init(settlement: any SettlementStore) {
        self.settlement = settlement
    }

    public func readings() async throws -> [GaugeReading] {
        try await settlement.totals().flatMap { totals in
            let labels: [GaugeReading.Label] = [.init("mg", String(totals.mgOCID)), .init("currency", totals.currency)]
            return [
                GaugeReading(
                    name: "ocgate_statements", help: "Settlement statements written, per MG and currency.",
                    labels: labels, value: Double(totals.statements)),
                GaugeReading(
                    name: "ocgate_settled_amount", help: "Total of the settlement statements, per MG and currency.",
                    labels: labels, value: totals.settledAmount),
                GaugeReading(
                    name: "ocgate_unsettled_entries", help: "Ledger entries in no statement yet, per MG and currency.",
                    labels: labels, value: Double(totals.unsettledEntries)),
                GaugeReading(
                    name: "ocgate_unsettled_amount", help: "What is owed and not yet in a statement, per MG and currency.",
                    labels: labels, value: totals.unsettledAmount),
            ]
        }
    }
}
