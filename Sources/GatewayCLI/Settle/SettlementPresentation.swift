import Foundation
import GatewayCore
import GatewayStore
import Opencharge

/// How `ocgate settle` shows a run: lines for a person, JSON for scripts.
struct SettlementPresentation {
    let result: SettlementResult
    let dryRun: Bool
    let folder: String

    var lines: [String] {
        var lines = ["cut-off \(JobPresentation.time(result.cutOff))\(dryRun ? " (dry run: nothing written)" : "")"]
        for statement in dryRun ? result.planned : result.created {
            lines.append(
                "\(dryRun ? "would write" : "wrote") \(statement.id): MG \(statement.mgOCID) \(statement.currency) "
                    + "\(statement.total) over \(statement.entryCount) entries")
        }
        for statement in result.existing {
            lines.append("already settled \(statement.id): MG \(statement.mgOCID) \(statement.currency) \(statement.total)")
        }
        for id in result.repaired { lines.append("wrote the missing files of \(id)") }
        for held in result.heldBack {
            lines.append(
                "held back: MG \(held.mgOCID) \(held.currency) \(held.total) over \(held.count) entries: \(held.reason)")
        }
        for deferred in result.deferred {
            lines.append(
                "next cut-off: MG \(deferred.mgOCID) \(deferred.currency) \(deferred.total) over \(deferred.count) entries "
                    + "accepted after this cut-off's statement was written")
        }
        lines.append(contentsOf: result.failures.map { "failed: \($0)" })
        if result.created.isEmpty && result.planned.isEmpty && result.existing.isEmpty {
            lines.append("nothing to settle")
        }
        return lines
    }

    var json: JSONValue {
        [
            "cutOff": .string(JobPresentation.time(result.cutOff)),
            "dryRun": .bool(dryRun),
            "statements": .array((dryRun ? result.planned : result.created).map { statement(json: $0) }),
            "existing": .array(result.existing.map { statement(json: $0) }),
            "repaired": .array(result.repaired.map { .string($0) }),
            "heldBack": .array(result.heldBack.map { entries(json: $0, withReason: true) }),
            "deferred": .array(result.deferred.map { entries(json: $0, withReason: false) }),
            "failures": .array(result.failures.map { .string($0) }),
            "complete": .bool(result.isComplete),
        ]
    }

    /// The one stderr line of an incomplete run.
    var incompleteSummary: String {
        let stuck = result.heldBack.filter(\.needsOperator).map {
            "MG \($0.mgOCID) \($0.currency): \($0.count) entries (\($0.total)) held back, \($0.reason)"
        }
        return "not everything could be settled: " + (result.failures + stuck).joined(separator: "; ")
    }

    /// Left-out entries of one MG and currency; held-back ones also say their proofs' delivery state and why.
    private func entries(json entries: HeldBackEntries, withReason: Bool) -> JSONValue {
        var object = JSONObject([
            ("mg", .integer(entries.mgOCID)), ("currency", .string(entries.currency)), ("count", .integer(entries.count)),
            ("total", .string(entries.total)),
        ])
        if withReason {
            object["deliveryState"] = .string(entries.deliveryState.rawValue)
            object["reason"] = .string(entries.reason)
        }
        return .object(object)
    }

    private func statement(json statement: StoredStatement) -> JSONValue {
        [
            "id": .string(statement.id), "mg": .integer(statement.mgOCID), "currency": .string(statement.currency),
            "periodStart": statement.periodStart.map { .string(JobPresentation.time($0)) } ?? .null,
            "periodEnd": .string(JobPresentation.time(statement.periodEnd)), "count": .integer(statement.entryCount),
            "total": .string(statement.total),
            "files": dryRun
                ? .array([]) : .array([.string("\(folder)/\(statement.id).json"), .string("\(folder)/\(statement.id).csv")]),
        ]
    }
}
