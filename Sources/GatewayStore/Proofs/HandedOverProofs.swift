import Foundation

/// Proofs `ProofStore.issue` just wrote, each with the claim of its delivery job that the same transaction made
/// for the issuing worker. That worker runs the delivery next and takes the proof from here instead of reading
/// back the row it just wrote.
///
/// Only that very claim takes the proof: a delivery that was handed back unrun (its worker stopped, or its slot
/// moved on) and claimed again later reads the row, which by then another process may have delivered.
///
/// `@unchecked Sendable`: `proofs` is only touched under `lock`.
package final class HandedOverProofs: @unchecked Sendable {
    private struct Entry {
        let proof: StoredProof
        let job: Int64
        let worker: String
        let claimedAt: Date
    }

    /// Deliveries handed back unrun leave their entry; past this many the memory starts over.
    private let capacity: Int
    private let lock = NSLock()
    private var proofs: [String: Entry] = [:]

    package init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    /// Keeps `proof` for `delivery`, the claim that will deliver it. The issue time is kept to the millisecond,
    /// as the row stores it, so the proof handed over equals the proof read.
    package func keep(_ proof: StoredProof, for delivery: ClaimedJob) {
        var proof = proof
        proof.issuedAt = Date(millis: proof.issuedAt.millis)
        let entry = Entry(proof: proof, job: delivery.id, worker: delivery.worker, claimedAt: delivery.claimedAt)
        lock.withLock {
            if proofs.count >= capacity { proofs.removeAll(keepingCapacity: true) }
            proofs[proof.txid] = entry
        }
    }

    /// The proof kept for exactly this claim of its delivery, removed; nil for any other.
    package func take(txid: String, for job: ClaimedJob) -> StoredProof? {
        guard let entry = lock.withLock({ proofs.removeValue(forKey: txid) }) else { return nil }
        return entry.job == job.id && entry.worker == job.worker && entry.claimedAt == job.claimedAt ? entry.proof : nil
    }
}
