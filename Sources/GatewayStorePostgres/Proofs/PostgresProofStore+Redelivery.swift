import Foundation
import GatewayStore
import PostgresNIO

extension PostgresProofStore {
    /// One transaction: the proof back to `pending` and its delivery job requeued (`PostgresJobQueue.requeue`), so
    /// a worker never finds the job queued while the proof still reads as delivered, or the reverse. The proof's
    /// row lock, taken first, orders concurrent redeliveries of one proof.
    func redeliver(txid: String, job: NewJob) async throws -> Redelivery? {
        let queue = self.queue
        let result = try await database.transaction { tx -> (Redelivery, woke: Bool)? in
            let proof = try await tx.run("""
                UPDATE transfer_proofs SET delivery_state = 'pending', delivered_at = NULL WHERE txid = \(txid)
                RETURNING mg_ocid
                """)
            guard let row = proof.first else { return nil }
            return try await queue.requeue(job.about(mg: try row.makeRandomAccess().ocid("mg_ocid")), in: tx)
        }
        if result?.woke == true { queue.notifier.jobsEnqueued() }
        return result?.0
    }
}
