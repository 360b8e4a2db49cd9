import Foundation
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

/// Seeds sessions, proofs and ledger entries through the store contracts, as a paid checkout makes them (create,
/// charge, confirm, issue, delivery answer), many at once so the stores' shared commits keep it quick. The proofs
/// are unsigned placeholders: signing thousands would only slow the settlement tests down.
public enum LedgerSeed {
    /// Seeds `entries` and returns their txids in order.
    @discardableResult
    public static func insert(_ entries: [SeededEntry], into stores: GatewayStores) async throws -> [String] {
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var txids = [String](repeating: "", count: entries.count)
            var next = 0
            func start() {
                guard next < entries.count else { return }
                let (index, entry) = (next, entries[next])
                group.addTask { (index, try await seed(entry, into: stores)) }
                next += 1
            }
            for _ in 0..<64 { start() }
            while let (index, txid) = try await group.next() {
                txids[index] = txid
                start()
            }
            return txids
        }
    }

    private static func seed(_ entry: SeededEntry, into stores: GatewayStores) async throws -> String {
        let tag = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let at = entry.createdAt
        let session = CheckoutSessionRecord(
            id: "cs_" + tag, mgOCID: entry.mgOCID, merchantOCID: 500, orderID: "ord_" + tag, orderJSON: "{}",
            orderSignature: "", requestDigest: tag, amount: entry.amount, currency: entry.currency,
            successURL: "https://m.example/ok", cancelURL: "https://m.example/no", status: SessionStatus.pending.rawValue,
            createdAt: at, expiresAt: Int64(at.timeIntervalSince1970) + 1800)
        _ = try await stores.sessions.create(session, nonce: nil, job: NewJob(kind: "seed.open", uniqueKey: "seed.open:\(tag)"))
        let charge = ChargeRecord(
            reference: "sbx_" + tag, sessionID: session.id, backend: "sandbox", state: .succeeded, settlesAt: nil, createdAt: at)
        _ = try await stores.charges.claim(sessionID: session.id, for: charge, job: NewJob(kind: "seed.charge"), now: at)
        let txid = "pg_tx_" + String(tag.prefix(24))
        let (issue, _, _) = try await stores.proofs.issue(
            sessionID: session.id, now: at,
            build: { session in
                StoredProof(
                    txid: txid, sessionID: session.id, mgOCID: session.mgOCID, proofJSON: "{}", signature: "",
                    amount: session.amount, currency: session.currency, issuedAt: at)
            },
            deliveryJob: { NewJob(kind: "seed.deliver", uniqueKey: "seed.deliver:\($0)") })
        guard case .issued(let proof, _) = issue else { throw SeedError.notIssued(session.id) }
        if entry.deliveryState != .pending {
            try await stores.deliveries.recordDelivery(of: proof, state: entry.deliveryState, at: at, mgAnswered: true)
        }
        return txid
    }

    /// Sets the delivery state of seeded proofs (the MG accepted them later, say).
    public static func setDeliveryState(_ state: DeliveryState, txids: [String], in stores: GatewayStores) async throws {
        for txid in txids {
            guard let proof = try await stores.proofs.proof(txid: txid) else { throw SeedError.noProof(txid) }
            try await stores.deliveries.recordDelivery(of: proof, state: state, at: proof.issuedAt, mgAnswered: true)
        }
    }

    /// The settlement invariants every test checks, read through the contracts: each settled entry of these MGs is
    /// in exactly the statement it names, and each statement's count matches its members.
    public static func membershipProblems(in stores: GatewayStores, mgs: [UInt64]) async throws -> [String] {
        var problems: [String] = []
        var members: [String: String] = [:]
        for statement in try await stores.settlement.statements() {
            let entries = try await stores.settlement.entries(statementID: statement.id)
            if entries.count != statement.entryCount {
                problems.append("statement \(statement.id) counts \(statement.entryCount) entries and holds \(entries.count)")
            }
            for entry in entries {
                if let other = members.updateValue(statement.id, forKey: entry.txid) {
                    problems.append("entry \(entry.txid) is in statements \(other) and \(statement.id)")
                }
            }
        }
        for mg in mgs {
            for entry in try await stores.proofs.ledgerEntries(mgOCID: mg) where entry.statementID != members[entry.txid] {
                problems.append("entry \(entry.txid) names statement \(entry.statementID ?? "none"), is in \(members[entry.txid] ?? "none")")
            }
        }
        return problems
    }

    enum SeedError: Error {
        case notIssued(String)
        case noProof(String)
    }
}
