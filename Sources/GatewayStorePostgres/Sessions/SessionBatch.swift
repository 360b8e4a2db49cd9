import Foundation
import GatewayStore
import PostgresNIO

/// One caller's `create`, waiting for the next shared transaction.
struct SessionRequest: Sendable {
    let record: CheckoutSessionRecord
    let nonce: NonceClaim?
    /// The session's first job; nil enqueues nothing.
    let job: NewJob?
}

/// The creates of one group commit in one transaction, a statement per step for the whole batch (postgres-nio does
/// not pipeline, so statements, not rows, cost round trips): the drain flag read once; the nonces in one
/// `INSERT … SELECT FROM unnest`; the sessions in one multi-row `INSERT … ON CONFLICT … DO NOTHING RETURNING id`;
/// the sessions that were already there read in one `SELECT`; the jobs of the created ones in one multi-row insert.
/// Each caller gets the answer it would have had alone, also against another caller of the same batch: of equal
/// nonces the first wins, of equal order keys the first inserts and the others find it (`.existing`/`.conflict`).
struct SessionBatch {
    let requests: [SessionRequest]
    let queue: PostgresJobQueue
    let nonces: PostgresNonceStore

    /// Commits the batch. If the transaction fails, the nonces it claimed in this process's memory are given back,
    /// so a retry (`BatchCommitter` retries each alone) can claim them again.
    func commit(on database: PostgresDatabase) async throws -> [SessionCreation] {
        var claimed: [NonceClaim] = []
        let answers: [SessionCreation]
        var enqueued = 0
        do {
            answers = try await database.transaction { tx in
                try await run(in: tx, claimed: &claimed, enqueued: &enqueued)
            }
        } catch {
            for claim in claimed { nonces.forget(claim.nonce, ocid: claim.ocid) }
            throw error
        }
        if enqueued > 0 { queue.notifier.jobsEnqueued() }
        return answers
    }

    private func run(
        in tx: Transaction, claimed: inout [NonceClaim], enqueued: inout Int
    ) async throws -> [SessionCreation] {
        // First, before the nonces: a create refused for draining spends nothing.
        if try await PostgresJobQueue.isDraining(in: tx) { return requests.map { _ in .draining } }
        var answers = [SessionCreation?](repeating: nil, count: requests.count)
        try await claimNonces(in: tx, answers: &answers, claimed: &claimed)
        let storing = requests.indices.filter { answers[$0] == nil }
        let created = try await insertSessions(storing.map { requests[$0].record }, in: tx)
        for i in storing where created.contains(requests[i].record.id) { answers[i] = .created(requests[i].record) }
        let jobs = storing.compactMap { answers[$0] == nil ? nil : requests[$0].job?.about(mg: requests[$0].record.mgOCID) }
        enqueued = try await queue.insert(jobs, in: tx)
        let lookedUp = storing.filter { answers[$0] == nil }
        // The keys' holders committed or are this batch (ON CONFLICT waited for them), so this statement sees them.
        let existing = try await sessions(holding: lookedUp.map { OrderKey(requests[$0].record) }, in: tx)
        for i in lookedUp {
            let r = requests[i].record
            guard let holder = existing[OrderKey(r)] else {
                throw StoreError.inconsistent("no checkout session holds the key of order \(r.orderID)")
            }
            answers[i] = holder.requestDigest == r.requestDigest ? .existing(holder) : .conflict(existingSessionID: holder.id)
        }
        return answers.map { $0! }
    }

    /// Records the batch's nonces in one statement; a request whose nonce is refused is answered `.nonceReused`.
    private func claimNonces(
        in tx: Transaction, answers: inout [SessionCreation?], claimed: inout [NonceClaim]
    ) async throws {
        let withNonce = requests.indices.filter { requests[$0].nonce != nil }
        let claims = withNonce.map { requests[$0].nonce! }
        let won = try await nonces.record(claims, in: tx)
        for (k, i) in withNonce.enumerated() {
            if won[k] {
                claimed.append(claims[k])
            } else {
                answers[i] = .nonceReused(.reused(ocid: claims[k].ocid, nonce: claims[k].nonce))
            }
        }
    }

    /// Inserts the sessions in one statement, in key order (racing batches on other hosts lock the keys in one
    /// order, so they cannot deadlock). - Returns: the ids of the sessions inserted.
    private func insertSessions(_ records: [CheckoutSessionRecord], in tx: Transaction) async throws -> Set<String> {
        guard !records.isEmpty else { return [] }
        var query = DynamicQuery("""
            INSERT INTO checkout_sessions (id, mg_ocid, merchant_ocid, order_id, order_json, order_signature,
                request_digest, amount, currency, success_url, cancel_url, status, created_at, expires_at, merchant_name)
            VALUES
            """)
        for (n, r) in records.sorted(by: { OrderKey($0) < OrderKey($1) }).enumerated() {
            let values = [
                query.bind(r.id), query.bind(r.mgOCID.stored), query.bind(r.merchantOCID.stored), query.bind(r.orderID),
                query.bind(r.orderJSON), query.bind(r.orderSignature), query.bind(r.requestDigest), query.bind(r.amount),
                query.bind(r.currency), query.bind(r.successURL), query.bind(r.cancelURL), query.bind(r.status),
                query.bind(r.createdAt.millis), query.bind(r.expiresAt), query.bind(r.merchantName),
            ]
            query.append((n == 0 ? " (" : ", (") + values.joined(separator: ", ") + ")")
        }
        query.append(" ON CONFLICT ON CONSTRAINT checkout_sessions_order_key DO NOTHING RETURNING id")
        return Set(try await tx.run(query.query).map { try $0.get("id", as: String.self) })
    }

    /// The sessions holding `keys`, by key, in one statement.
    private func sessions(holding keys: [OrderKey], in tx: Transaction) async throws -> [OrderKey: CheckoutSessionRecord] {
        guard !keys.isEmpty else { return [:] }
        let rows = try await tx.run("""
            SELECT s.* FROM checkout_sessions s
            JOIN unnest(\(keys.map(\.mg))::bigint[], \(keys.map(\.merchant))::bigint[], \(keys.map(\.orderID))::text[])
                AS k(mg_ocid, merchant_ocid, order_id)
              ON s.mg_ocid = k.mg_ocid AND s.merchant_ocid = k.merchant_ocid AND s.order_id = k.order_id
            """)
        var found: [OrderKey: CheckoutSessionRecord] = [:]
        for row in rows {
            let record = try PostgresSessionStore.record(row)
            found[OrderKey(record)] = record
        }
        return found
    }
}

/// A session's idempotency key `(mg, merchant, order id)`, as stored.
private struct OrderKey: Hashable, Comparable {
    let mg: Int64
    let merchant: Int64
    let orderID: String

    init(_ record: CheckoutSessionRecord) {
        mg = record.mgOCID.stored
        merchant = record.merchantOCID.stored
        orderID = record.orderID
    }

    static func < (a: OrderKey, b: OrderKey) -> Bool { (a.mg, a.merchant, a.orderID) < (b.mg, b.merchant, b.orderID) }
}
