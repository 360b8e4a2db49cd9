import GatewayStore

extension JobQueue {
    /// The jobs that belong to a session, oldest first, found by the unique keys their contracts give them: its
    /// `session.open` and `proof.issue`, a `payment.poll` per charge, and its proof's `callback.deliver`.
    public func jobs(ofSession id: String, charges: [ChargeRecord], proof: StoredProof?) async throws -> [Job] {
        var keys = [SessionOpenJob(session: id).uniqueKey, ProofIssueJob(session: id, charge: "").uniqueKey]
        keys += charges.map { PaymentPollJob(session: id, charge: $0.reference).uniqueKey }
        if let proof { keys.append(ProofDeliveryJob(txid: proof.txid).uniqueKey) }
        return try await jobs(uniqueKeys: keys.compactMap { $0 })
    }
}
