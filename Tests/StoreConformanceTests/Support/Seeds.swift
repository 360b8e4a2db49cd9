import Foundation
import GatewayStore
import Testing

/// The parties and the jobs the seeded data uses. The job kinds and unique keys are spelled as the gateway's job
/// contracts spell them, but nothing here depends on the gateway.
enum Seed {
    static let mg: UInt64 = 7_001
    static let otherMG: UInt64 = 7_002
    static let merchant: UInt64 = 9_001
    static let otherMerchant: UInt64 = 9_002
    /// How long a seeded session stays payable.
    static let lifetime: Int64 = 900

    static func openJob(_ sessionID: String) -> NewJob {
        NewJob(kind: "session.open", payload: Data(sessionID.utf8), uniqueKey: "session.open:\(sessionID)")
    }

    static func pollJob(_ reference: String) -> NewJob {
        NewJob(kind: "payment.poll", payload: Data(reference.utf8), uniqueKey: "payment.poll:\(reference)")
    }

    static func proofJob(_ sessionID: String) -> NewJob {
        NewJob(kind: "proof.issue", payload: Data(sessionID.utf8), uniqueKey: "proof.issue:\(sessionID)")
    }

    @Sendable static func deliveryJob(_ txid: String) -> NewJob {
        NewJob(kind: "callback.deliver", payload: Data(txid.utf8), uniqueKey: "callback.deliver:\(txid)")
    }

    @Sendable static func notifyJob(_ statementID: String) -> NewJob? {
        NewJob(kind: "settle.notify", payload: Data(statementID.utf8), uniqueKey: "settle.notify:\(statementID)")
    }

    /// A signature-shaped placeholder: the stores keep signatures, they never check them.
    static let signature = String(repeating: "ab", count: 65)

    /// A session row for an order; equal `(orderID, version)` give equal digests, as an identical resubmission does.
    static func session(
        id: String = "cs_\(UUID().uuidString.prefix(12))", mg: UInt64 = Seed.mg, merchant: UInt64 = Seed.merchant,
        orderID: String = "order-\(UUID().uuidString.prefix(8))", version: Int = 1, amount: String = "10.00",
        currency: String = "EUR", createdAt: Date, expiresAt: Int64
    ) -> CheckoutSessionRecord {
        let orderJSON = #"{"id":"\#(orderID)","amount":"\#(amount)","currency":"\#(currency)","v":\#(version)}"#
        return CheckoutSessionRecord(
            id: id, mgOCID: mg, merchantOCID: merchant, orderID: orderID, orderJSON: orderJSON,
            orderSignature: signature, requestDigest: "digest:\(orderID):\(version)", amount: amount,
            currency: currency, successURL: "https://shop.example/ok", cancelURL: "https://shop.example/cancel",
            status: SessionStatus.pending.rawValue, createdAt: createdAt, expiresAt: expiresAt)
    }

    /// A charge of `sessionID` started at `now`.
    static func charge(_ reference: String, sessionID: String, now: Date) -> ChargeRecord {
        ChargeRecord(
            reference: reference, sessionID: sessionID, backend: "sandbox", state: .pending, settlesAt: nil,
            createdAt: now)
    }

    /// A proof builder that stamps `txid` and `issuedAt` on what it takes from the session.
    static func proofBuilder(txid: String? = nil, issuedAt: Date) -> @Sendable (CheckoutSessionRecord) throws
        -> StoredProof
    {
        { session in
            StoredProof(
                txid: txid ?? "tx_\(session.id)", sessionID: session.id, mgOCID: session.mgOCID,
                proofJSON: #"{"session":"\#(session.id)","amount":"\#(session.amount)"}"#, signature: signature,
                amount: session.amount, currency: session.currency, issuedAt: issuedAt)
        }
    }
}

extension SessionCreation {
    /// The case's name, for counting outcomes of a race.
    var name: String {
        switch self {
        case .created: "created"
        case .existing: "existing"
        case .conflict: "conflict"
        case .nonceReused: "nonceReused"
        case .draining: "draining"
        }
    }
}

/// Sessions, charges and proofs made through the contracts only, the way the gateway makes them.
extension StoreFixture {
    /// A new pending session, created with its first job; it expires `Seed.lifetime` seconds from now.
    @discardableResult
    func createSession(
        mg: UInt64 = Seed.mg, merchant: UInt64 = Seed.merchant, amount: String = "10.00", currency: String = "EUR",
        nonce: NonceClaim? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> CheckoutSessionRecord {
        let record = Seed.session(
            mg: mg, merchant: merchant, amount: amount, currency: currency, createdAt: now,
            expiresAt: clock.seconds + Seed.lifetime)
        let creation = try await sessions.create(record, nonce: nonce, job: Seed.openJob(record.id))
        guard case .created(let created) = creation else {
            Issue.record("seeding a session: expected .created, got \(creation)", sourceLocation: sourceLocation)
            throw SeedFailure()
        }
        return created
    }

    /// Claims `sessionID` for a new charge with reference `reference`.
    @discardableResult
    func claim(
        _ sessionID: String, reference: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> ChargeRecord {
        let charge = Seed.charge(reference ?? "ch_\(sessionID)", sessionID: sessionID, now: now)
        let claim = try await charges.claim(
            sessionID: sessionID, for: charge, job: Seed.pollJob(charge.reference), now: now)
        guard claim == .claimed else {
            Issue.record("seeding a charge: expected .claimed, got \(claim)", sourceLocation: sourceLocation)
            throw SeedFailure()
        }
        return charge
    }

    /// Claims and confirms a charge of `sessionID`; returns the charge.
    @discardableResult
    func pay(_ sessionID: String) async throws -> ChargeRecord {
        let charge = try await claim(sessionID)
        _ = try await charges.confirm(
            chargeReference: charge.reference, sessionID: sessionID, proofJob: Seed.proofJob(sessionID))
        return charge
    }

    /// Issues the proof of a paid session at the clock's now.
    func issue(_ sessionID: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> StoredProof {
        let result = try await proofs.issue(
            sessionID: sessionID, now: now, build: Seed.proofBuilder(issuedAt: now), deliveryJob: Seed.deliveryJob)
        guard case .issued(let proof, _) = result.issue else {
            Issue.record("seeding a proof: expected .issued, got \(result.issue)", sourceLocation: sourceLocation)
            throw SeedFailure()
        }
        return proof
    }

    /// A session created, paid and proven now: its proof (and so its ledger entry).
    func provenSession(
        mg: UInt64 = Seed.mg, amount: String = "10.00", currency: String = "EUR",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> StoredProof {
        let session = try await createSession(mg: mg, amount: amount, currency: currency, sourceLocation: sourceLocation)
        try await pay(session.id)
        return try await issue(session.id, sourceLocation: sourceLocation)
    }

    /// The one job holding `uniqueKey`, or nil.
    func job(uniqueKey: String) async throws -> Job? {
        let found = try await jobs.jobs(uniqueKeys: [uniqueKey])
        #expect(found.count <= 1, "a unique key is held by \(found.count) jobs")
        return found.first
    }
}

/// Seeding went wrong; the issue recorded says how.
struct SeedFailure: Error {}

/// Statements built the way a settlement run builds them, minus the signature.
extension Seed {
    /// The exact sum of two-decimal amounts, as the statement's total.
    static func total(_ entries: [LedgerEntry]) -> String {
        let cents = entries.reduce(0) { sum, entry in
            let parts = entry.amount.split(separator: ".")
            return sum + Int(parts[0])! * 100 + (parts.count > 1 ? Int(parts[1])! : 0)
        }
        return "\(cents / 100).\(String(format: "%02d", cents % 100))"
    }

    /// A builder of the statement `id` for a run with cut-off `cutOff` at `now`.
    static func statementBuilder(id: String, cutOff: Date, now: Date) -> @Sendable (SettlementGroup) throws
        -> StoredStatement
    {
        { group in
            StoredStatement(
                id: id, mgOCID: group.mgOCID, currency: group.currency, periodStart: group.periodStart,
                periodEnd: cutOff, entryCount: group.entries.count, total: total(group.entries),
                statementJSON: #"{"id":"\#(id)","entries":\#(group.entries.map(\.txid))}"#, signature: signature,
                createdAt: now)
        }
    }
}

extension StoreFixture {
    /// Settles `mg`'s `currency` entries before `cutOff` now into the statement `id`, with a notify job.
    func settle(
        _ id: String, mg: UInt64 = Seed.mg, currency: String = "EUR", cutOff: Date, requireAccepted: Bool = false,
        notify: Bool = true
    ) async throws -> StatementOutcome {
        let notifyJob: @Sendable (String) -> NewJob? = { notify ? Seed.notifyJob($0) : nil }
        return try await settlement.settle(
            mgOCID: mg, currency: currency, scope: SettlementScope(cutOff: cutOff, requireAccepted: requireAccepted),
            now: now, build: Seed.statementBuilder(id: id, cutOff: cutOff, now: now), notifyJob: notifyJob)
    }
}
