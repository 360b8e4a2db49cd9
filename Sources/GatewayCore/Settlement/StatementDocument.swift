import Foundation
import GatewayStore
import Opencharge

/// The signed statement an MG receives and the CSV the finance team reads, made from a settlement group.
///
/// The statement object is signed with the recursive canonical JSON (spec §2), like a proof, so an MG verifies
/// it with the gateway's published key: `{"statement":{…},"signature":"…"}`. Amounts are exact decimal strings,
/// times ISO 8601 in UTC.
public enum StatementDocument {
    /// The statement id of an MG, currency and cut-off: the same for every run, so racing runs collide on it.
    public static func id(mgOCID: UInt64, currency: String, cutOff: Date) -> String {
        "st_\(mgOCID)_\(currency)_\(compactTime(cutOff))"
    }

    /// Nets `group` into a signed statement.
    /// - Throws: `SettlementError.invalidAmount` when a ledger amount is not an exact decimal.
    public static func make(
        _ group: SettlementGroup, cutOff: Date, identity: GatewayIdentity, now: Date
    ) throws(SettlementError) -> StoredStatement {
        var total = DecimalAmount.zero
        var entries: [JSONValue] = []
        entries.reserveCapacity(group.entries.count)
        for entry in group.entries {
            guard let amount = DecimalAmount(entry.amount) else {
                throw .invalidAmount(txid: entry.txid, amount: entry.amount)
            }
            total += amount
            entries.append([
                "txid": .string(entry.txid), "amount": .string(entry.amount),
                "issuedAt": .string(time(entry.createdAt)),
            ])
        }
        let id = id(mgOCID: group.mgOCID, currency: group.currency, cutOff: cutOff)
        let statement: JSONValue = [
            "id": .string(id),
            "issuer": .integer(identity.ocid),
            "merchantGateway": .integer(group.mgOCID),
            "currency": .string(group.currency),
            "periodStart": group.periodStart.map { .string(time($0)) } ?? .null,
            "periodEnd": .string(time(cutOff)),
            "count": .integer(group.entries.count),
            "total": .string(total.description),
            "entries": .array(entries),
            "createdAt": .string(time(now)),
        ]
        return StoredStatement(
            id: id, mgOCID: group.mgOCID, currency: group.currency, periodStart: group.periodStart, periodEnd: cutOff,
            entryCount: group.entries.count, total: total.description, statementJSON: CanonicalJSON.string(statement),
            signature: identity.key.signObject(statement).hex, createdAt: now)
    }

    /// The CSV of a statement's entries, one row each, with a header.
    public static func csv(_ statement: StoredStatement, entries: [LedgerEntry]) -> String {
        var lines = ["statement_id,merchant_gateway,currency,txid,issued_at,amount"]
        lines.reserveCapacity(entries.count + 1)
        for entry in entries {
            // Ids, OCIDs, currency codes, times and decimal amounts never hold commas or quotes.
            lines.append(
                "\(statement.id),\(statement.mgOCID),\(statement.currency),\(entry.txid),\(time(entry.createdAt)),\(entry.amount)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Whether a signed statement document verifies with one of `keys` (the gateway's `publicKey` or, during a
    /// rotation, its `previousKey`). What an MG does with a statement it receives.
    public static func verifies(_ document: [UInt8], keys: [PublicKey]) -> Bool {
        guard let parsed = try? JSONParser.parse(document), let statement = parsed["statement"],
            let signatureText = parsed["signature"]?.stringValue, let signature = try? Signature(hex: signatureText)
        else { return false }
        return keys.contains { $0.verifyObject(statement, signature: signature, allowLegacy: false) != nil }
    }

    static func time(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }

    /// `20261202T192015`, with `.250` after it for a cut-off between two seconds (the store keeps milliseconds), so
    /// every cut-off names its own statement and whole-second ids stay as they always were.
    private static func compactTime(_ date: Date) -> String {
        let seconds = date.formatted(
            Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day().time(includingFractionalSeconds: false)
                .timeSeparator(.omitted).dateSeparator(.omitted).dateTimeSeparator(.standard))
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded()) % 1000
        return millis == 0 ? seconds : seconds + "." + String(repeating: "0", count: 3 - String(millis).count) + String(millis)
    }
}

/// Why (part of) a settlement run could not settle; one line for the operator.
public enum SettlementError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidAmount(txid: String, amount: String)
    case futureCutOff(Date)
    case files(String)

    public var description: String {
        switch self {
        case .invalidAmount(let txid, let amount): "ledger entry \(txid) has amount '\(amount)', not an exact decimal"
        case .futureCutOff(let date): "cut-off \(StatementDocument.time(date)) is in the future; proofs could still be issued before it"
        case .files(let problem): "statement files: \(problem)"
        }
    }
}
