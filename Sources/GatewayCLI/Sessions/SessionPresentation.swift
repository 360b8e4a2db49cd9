import ArgumentParser
import Foundation
import GatewayStore
import Opencharge

/// How sessions and charges read on the terminal and in `--json`, and the parsers of their filter options.
enum SessionPresentation {
    static func status(_ text: String) throws -> SessionStatus {
        guard let status = SessionStatus(rawValue: text) else {
            throw ValidationError(
                "unknown status '\(text)': one of \(SessionStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return status
    }

    static func ocid(_ text: String) throws -> UInt64 {
        guard let ocid = UInt64(text) else { throw ValidationError("'\(text)' is not an OCID (a decimal number)") }
        return ocid
    }

    static func json(_ overview: SessionOverview) -> JSONValue {
        let session = overview.session
        var fields: [(key: String, value: JSONValue)] = [
            ("id", .string(session.id)), ("status", .string(session.status)),
            ("mg_ocid", .integer(session.mgOCID)), ("merchant_ocid", .integer(session.merchantOCID)),
            ("order_id", .string(session.orderID)), ("amount", .string(session.amount)),
            ("currency", .string(session.currency)), ("created_at", .string(JobPresentation.time(session.createdAt))),
            ("expires_at", .string(JobPresentation.time(Date(timeIntervalSince1970: TimeInterval(session.expiresAt))))),
            ("success_url", .string(session.successURL)), ("cancel_url", .string(session.cancelURL)),
        ]
        if let name = overview.merchantName { fields.append(("merchant_name", .string(name))) }
        if let charge = overview.chargeReference { fields.append(("charge_reference", .string(charge))) }
        if let changed = overview.statusChangedAt {
            fields.append(("status_changed_at", .string(JobPresentation.time(changed))))
        }
        return .object(JSONObject(fields))
    }

    static func json(_ charge: ChargeRecord) -> JSONValue {
        var fields: [(key: String, value: JSONValue)] = [
            ("reference", .string(charge.reference)), ("backend", .string(charge.backend)),
            ("state", .string(charge.state.rawValue)), ("created_at", .string(JobPresentation.time(charge.createdAt))),
        ]
        if let settlesAt = charge.settlesAt {
            fields.append(("settles_at", .string(JobPresentation.time(Date(timeIntervalSince1970: TimeInterval(settlesAt))))))
        }
        return .object(JSONObject(fields))
    }

    /// One listing line: id, status, amount and currency, MG, merchant, creation time, merchant name.
    /// The proof as it was signed and is delivered, with its delivery state.
    static func json(_ proof: StoredProof) -> JSONValue {
        [
            "txid": .string(proof.txid), "proof": (try? JSONParser.parse(proof.proofJSON)) ?? .string(proof.proofJSON),
            "signature": .string(proof.signature), "issued_at": .string(JobPresentation.time(proof.issuedAt)),
            "delivery_state": .string(proof.deliveryState.rawValue),
            "delivered_at": proof.deliveredAt.map { .string(JobPresentation.time($0)) } ?? .null,
        ]
    }

    static func json(_ entry: LedgerEntry) -> JSONValue {
        [
            "txid": .string(entry.txid), "payable_to_mg": .integer(entry.mgOCID), "amount": .string(entry.amount),
            "currency": .string(entry.currency), "statement_id": entry.statementID.map { .string($0) } ?? .null,
        ]
    }

    static func line(_ overview: SessionOverview) -> String {
        let session = overview.session
        var text = "\(session.id)\t\(session.status)\t\(session.amount) \(session.currency)\tmg \(session.mgOCID)"
            + "\tmerchant \(session.merchantOCID)\t\(JobPresentation.time(session.createdAt))"
        if let name = overview.merchantName { text += "\t\(name)" }
        return text
    }

    static func line(_ charge: ChargeRecord) -> String {
        "  \(charge.reference) \(charge.state.rawValue) via \(charge.backend) at \(JobPresentation.time(charge.createdAt))"
    }
}
