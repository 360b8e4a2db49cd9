import Foundation

/// Rows a statement just wrote, each kept for the claim of the job that reads them next in the same process, so
/// that job takes the row from here instead of reading back what was just written: a proof `ProofStore.issue` wrote,
/// for the delivery it claimed for the issuing worker; on PostgreSQL, a session a held charge claim moved, for the
/// `proof.issue` job it claimed for the pay request.
///
/// Only that very claim takes the row: a job that was handed back unrun (its worker stopped, or its slot moved on)
/// and claimed again later reads the row, which by then another process may have changed.
///
/// `@unchecked Sendable`: `entries` is only touched under `lock`.
package final class HandedOver<Value: Sendable>: @unchecked Sendable {
    private struct Entry {
        let value: Value
        let job: Int64
        let worker: String
        let claimedAt: Date
    }

    /// Jobs handed back unrun leave their entry; past this many the memory starts over.
    private let capacity: Int
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]

    package init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    /// Keeps `value` under `key` for `job`, the claim that will read it.
    package func keep(_ value: Value, key: String, for job: ClaimedJob) {
        let entry = Entry(value: value, job: job.id, worker: job.worker, claimedAt: job.claimedAt)
        lock.withLock {
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = entry
        }
    }

    /// The value kept under `key` for exactly this claim, removed; nil for any other.
    package func take(key: String, for job: ClaimedJob) -> Value? {
        guard let entry = lock.withLock({ entries.removeValue(forKey: key) }) else { return nil }
        return entry.job == job.id && entry.worker == job.worker && entry.claimedAt == job.claimedAt ? entry.value : nil
    }
}

/// Proofs kept for their delivery, by txid.
package typealias HandedOverProofs = HandedOver<StoredProof>

extension HandedOver where Value == StoredProof {
    /// Keeps `proof` for `delivery`, the claim that will deliver it. The issue time is kept to the millisecond,
    /// as the row stores it, so the proof handed over equals the proof read.
    package func keep(_ proof: StoredProof, for delivery: ClaimedJob) {
        var proof = proof
        proof.issuedAt = Date(millis: proof.issuedAt.millis)
        keep(proof, key: proof.txid, for: delivery)
    }

    /// The proof kept for exactly this claim of its delivery, removed; nil for any other.
    package func take(txid: String, for job: ClaimedJob) -> StoredProof? { take(key: txid, for: job) }
}
