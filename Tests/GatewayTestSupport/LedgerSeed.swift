import Foundation
import GRDB
import GatewayStore

/// A ledger entry to seed: what it is worth, to whom, when, and how its proof's delivery stands.
public struct SeededEntry: Sendable {
    public var mgOCID: UInt64
    public var currency: String
    public var amount: String
    public var createdAt: Date
    public var deliveryState: DeliveryState

    public init(mgOCID: UInt64, currency: String, amount: String, createdAt: Date, deliveryState: DeliveryState = .accepted) {
        self.mgOCID = mgOCID
        self.currency = currency
        self.amount = amount
        self.createdAt = createdAt
        self.deliveryState = deliveryState
    }
}

/// Writes sessions, proofs and ledger entries straight into a spool's database, thousands in one transaction,
/// for the settlement tests (issuing them through `proof.issue` would sign each one).
public enum LedgerSeed {
    /// Inserts `entries` and returns their txids in order.
    @discardableResult
    public static func insert(_ entries: [SeededEntry], into database: GatewayDatabase) async throws -> [String] {
        try await database.write { db in
            var txids: [String] = []
            for entry in entries {
                let tag = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
                let session = "cs_" + tag
                let txid = "pg_tx_" + String(tag.prefix(24))
                let mg = Int64(bitPattern: entry.mgOCID)
                let millis = Int64((entry.createdAt.timeIntervalSince1970 * 1000).rounded())
                try db.execute(
                    sql: """
                        INSERT INTO checkout_sessions (id, mg_ocid, merchant_ocid, order_id, order_json, order_signature,
                            request_digest, amount, currency, success_url, cancel_url, status, created_at, expires_at)
                        VALUES (?, ?, 500, ?, '{}', '', ?, ?, ?, 'https://m.example/ok', 'https://m.example/no',
                            'completed', ?, ?)
                        """,
                    arguments: [session, mg, "ord_" + tag, tag, entry.amount, entry.currency, millis, millis / 1000 + 1800])
                try db.execute(
                    sql: """
                        INSERT INTO transfer_proofs (txid, session_id, mg_ocid, proof_json, signature, amount, currency,
                            issued_at, delivery_state)
                        VALUES (?, ?, ?, '{}', '', ?, ?, ?, ?)
                        """,
                    arguments: [txid, session, mg, entry.amount, entry.currency, millis, entry.deliveryState.rawValue])
                try db.execute(
                    sql: "INSERT INTO ledger_entries (txid, mg_ocid, currency, amount, created_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [txid, mg, entry.currency, entry.amount, millis])
                txids.append(txid)
            }
            return txids
        }
    }

    /// Sets the delivery state of seeded proofs (the MG accepted them later, say).
    public static func setDeliveryState(_ state: DeliveryState, txids: [String], in database: GatewayDatabase) async throws {
        try await database.write { db in
            for txid in txids {
                try db.execute(
                    sql: "UPDATE transfer_proofs SET delivery_state = ? WHERE txid = ?", arguments: [state.rawValue, txid])
            }
        }
    }

    /// The settlement invariants every test checks: each settled entry is in exactly one statement, the ledger
    /// agrees with the membership table, and each statement's count matches its members.
    public static func membershipProblems(in database: GatewayDatabase) async throws -> [String] {
        try await database.read { db in
            var problems: [String] = []
            let disagreeing = try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM ledger_entries l LEFT JOIN statement_entries s ON s.txid = l.txid
                    WHERE l.statement_id IS NOT s.statement_id
                    """) ?? 0
            if disagreeing > 0 { problems.append("\(disagreeing) ledger entries disagree with statement_entries") }
            let miscounted = try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM settlement_statements st
                    WHERE st.entry_count != (SELECT count(*) FROM statement_entries s WHERE s.statement_id = st.id)
                    """) ?? 0
            if miscounted > 0 { problems.append("\(miscounted) statements whose count differs from their entries") }
            return problems
        }
    }
}
