import Foundation
import GRDB
import GatewayStore

extension SQLiteProofStore {
    /// One write transaction: the proof back to `pending` and its delivery job requeued (`SQLiteJobQueue.requeue`),
    /// so a worker never finds the job queued while the proof still reads as delivered, or the reverse.
    func redeliver(txid: String, job: NewJob) async throws -> Redelivery? {
        let queue = self.queue
        return try await database.write { db in
            let mg = try Int64.fetchOne(db, sql: """
                UPDATE transfer_proofs SET delivery_state = 'pending', delivered_at = NULL WHERE txid = ?
                RETURNING mg_ocid
                """, arguments: [txid])
            guard let mg else { return nil }
            return try queue.requeue(job.about(mg: UInt64(bitPattern: mg)), in: db)
        }
    }
}
