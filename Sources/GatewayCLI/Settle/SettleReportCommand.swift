import ArgumentParser
import Foundation
import GatewayCore
import GatewayStore
import Opencharge

/// `ocgate settle report [--from --to]`.
struct SettleReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Per MG and currency: issued, delivered, accepted, settled and unsettled totals, and stuck proofs.")

    @OptionGroup var runtime: RuntimeOptions
    @Option(help: "Only proofs issued at or after this time: \(InstantArgument.help).", transform: InstantArgument.parse)
    var from: Date?
    @Option(help: "Only proofs issued before this time.", transform: InstantArgument.parse) var to: Date?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let gateway = try runtime.open()
        let report = try await Reconciliation.load(
            gateway.stores, from: from, to: to)
        if json { JobPresentation.print(Self.json(report)) } else { Self.lines(report).forEach { print($0) } }
        guard report.invalid.isEmpty else { throw CommandFailure(report.invalid.joined(separator: "; ")) }
    }

    static func lines(_ report: Reconciliation) -> [String] {
        guard !report.lines.isEmpty else { return ["no proofs issued in this period"] }
        var lines = ["MG       CUR   issued               delivered            accepted             settled              unsettled"]
        for line in report.lines {
            let cells = [line.issued, line.delivered, line.accepted, line.settled, line.unsettled].map { tally in
                "\(tally.total) (\(tally.count))".padding(toLength: 20, withPad: " ", startingAt: 0)
            }
            lines.append(
                String(line.mgOCID).padding(toLength: 8, withPad: " ", startingAt: 0) + " "
                    + line.currency.padding(toLength: 5, withPad: " ", startingAt: 0) + " " + cells.joined(separator: " "))
        }
        if report.stuck.isEmpty {
            lines.append("no stuck deliveries")
        } else {
            lines.append("stuck deliveries:")
            for stuck in report.stuck {
                let entry = stuck.entry
                var line = "  \(stuck.condition) \(entry.ledger.txid) session \(entry.sessionID) MG \(entry.ledger.mgOCID) "
                    + "\(entry.ledger.amount) \(entry.ledger.currency), \(entry.deliveryAttempts) attempts"
                if let next = entry.nextAttemptAt { line += ", next \(JobPresentation.time(next))" }
                if let error = entry.lastError { line += ": \(error)" }
                lines.append(line)
            }
        }
        return lines
    }

    static func json(_ report: Reconciliation) -> JSONValue {
        func tally(_ tally: Reconciliation.Tally) -> JSONValue {
            ["count": .integer(tally.count), "total": .string(tally.total.description)]
        }
        return [
            "lines": .array(
                report.lines.map { line in
                    [
                        "mg": .integer(line.mgOCID), "currency": .string(line.currency), "issued": tally(line.issued),
                        "delivered": tally(line.delivered), "accepted": tally(line.accepted),
                        "settled": tally(line.settled), "unsettled": tally(line.unsettled),
                    ]
                }),
            "stuck": .array(
                report.stuck.map { stuck in
                    let entry = stuck.entry
                    return [
                        "condition": .string(stuck.condition), "txid": .string(entry.ledger.txid),
                        "session": .string(entry.sessionID), "mg": .integer(entry.ledger.mgOCID),
                        "currency": .string(entry.ledger.currency), "amount": .string(entry.ledger.amount),
                        "attempts": .integer(entry.deliveryAttempts),
                        "nextAttemptAt": entry.nextAttemptAt.map { .string(JobPresentation.time($0)) } ?? .null,
                        "lastError": entry.lastError.map { .string($0) } ?? .null,
                    ]
                }),
            "invalid": .array(report.invalid.map { .string($0) }),
        ]
    }
}
