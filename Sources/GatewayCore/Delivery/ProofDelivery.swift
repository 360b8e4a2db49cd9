import Foundation
import GatewayConfig
import GatewayOutbound
import GatewayStore
import Logging
import Metrics
import Opencharge

/// The `callback.deliver` handler: POSTs a stored proof to its MG's `/transfer/webhook` (spec §6.1) with fresh
/// signed headers, the proof bytes identical on every attempt, and reads the reply as `WebhookVerdict` says.
///
/// Each job delivers one proof, so a failing delivery never holds back another (lesson 4). A per-MG circuit
/// breaker (`DeliveryBreaker`) defers deliveries to an MG that keeps failing instead of hammering it; a deferred
/// attempt does not call the MG and does not count as a failure of it.
public struct ProofDelivery: JobHandler {
    /// The job kind.
    public static let kind = "callback.deliver"

    /// What a delivery job's unique key starts with; the txid follows.
    public static let uniqueKeyPrefix = kind + ":"

    /// The delivery job of a proof; its unique key makes it exist once per txid.
    public static func job(txid: String) -> NewJob {
        NewJob(kind: kind, payload: Data(CanonicalJSON.encode(["txid": .string(txid)])), uniqueKey: uniqueKeyPrefix + txid)
    }

    /// The retry policy of `[delivery]`: its schedule and jitter, no attempt limit, dead after `give_up_after`.
    public static func retryPolicy(_ settings: DeliverySection) -> RetryPolicy {
        RetryPolicy(schedule: settings.schedule, jitter: settings.jitter, maxAttempts: nil, giveUpAfter: settings.giveUpAfter)
    }

    private let proofs: ProofStore
    private let peers: any PeerDirectory
    private let post: SignedPost
    private let settings: DeliverySection
    private let time: any TimeSource
    private let logger: Logger
    private let metrics: any MetricsFactory
    private let verifiedResponses = VerifiedResponses()

    /// - Parameters:
    ///   - peers: resolves the MG's endpoint and keys.
    ///   - client: the shared outbound client (connections to an MG are reused across deliveries).
    ///   - settings: `[delivery]`: timeout and breaker threshold and pause.
    ///   - metrics: where `ocgate_deliveries_total` goes; the process's bootstrapped factory by default.
    public init(
        identity: GatewayIdentity, proofs: ProofStore, peers: any PeerDirectory, client: OutboundClient,
        settings: DeliverySection, time: any TimeSource, logger: Logger, metrics: any MetricsFactory = MetricsSystem.factory
    ) {
        self.metrics = metrics
        self.proofs = proofs
        self.peers = peers
        self.post = SignedPost(identity: identity, client: client)
        self.settings = settings
        self.time = time
        self.logger = logger
    }

    public func run(_ job: ClaimedJob) async -> JobOutcome {
        guard let txid = (try? JSONParser.parse(Array(job.payload)))?["txid"]?.stringValue else {
            return .dead(error: "callback.deliver payload is not {\"txid\"}")
        }
        let outcome = await attempt(txid, job: job)
        // When this failure spends the schedule (`give_up_after`), stop here rather than let the queue do it, so
        // the proof itself records that its delivery is dead and the operator sees it in `sessions show`.
        guard let failure = Self.retryPolicy(settings).finalFailure(after: outcome, of: job, now: time.now()) else {
            return outcome
        }
        if let proof = try? await proofs.proof(txid: txid) {
            _ = try? await proofs.recordDelivery(of: proof, state: .dead, at: time.now(), mgAnswered: false)
            count("given_up", mg: proof.mgOCID)
        }
        logger.error("proof delivery given up: \(failure.error)", metadata: ["txid": "\(txid)"])
        return .dead(failure)
    }

    private func attempt(_ txid: String, job: ClaimedJob) async -> JobOutcome {
        do {
            guard let proof = try await proofs.proofToDeliver(txid: txid, for: job) else { return .dead(error: "no proof \(txid)") }
            if proof.deliveryState == .accepted { return .succeeded(note: "already accepted") }
            if let breaker = try await proofs.breaker(mgOCID: proof.mgOCID), let until = breaker.openUntil,
                breaker.isOpen(at: time.now())
            {
                count("paused", mg: proof.mgOCID)
                return .retry(
                    error: "deferred: deliveries to MG \(proof.mgOCID) are paused until \(until) (circuit breaker)",
                    after: .milliseconds(Int64((until.timeIntervalSince(time.now()) * 1000).rounded())))
            }
            return try await deliver(proof, job: job)
        } catch {
            return .retry(error: "delivery store error: \(error)")
        }
    }

    private func deliver(_ proof: StoredProof, job: ClaimedJob) async throws -> JobOutcome {
        let metadata: PeerMetadata
        do {
            metadata = try await peers.metadata(for: proof.mgOCID)
        } catch {
            count("retry", mg: proof.mgOCID)
            return .retry(error: "cannot resolve MG \(proof.mgOCID): \(error)")
        }
        guard let target = WebhookTarget(endpoint: metadata.endpoint) else {
            count("retry", mg: proof.mgOCID)
            return .retry(error: "MG \(proof.mgOCID) publishes an unusable endpoint '\(metadata.endpoint)'")
        }
        let response: OutboundResponse
        do {
            response = try await post.send(proof.webhookBody, to: target, timeout: settings.timeout, time: time)
        } catch {
            return try await failed(proof, .retry(error: "\(error)"))
        }
        checkSignature(of: response, from: metadata, proof: proof)
        let excerpt = String(decoding: response.body.prefix(4096), as: UTF8.self)
        let now = time.now()
        switch WebhookVerdict(status: response.status, headers: response.headers, body: response.body, now: now) {
        case .accepted:
            // The job's success commits with the delivery state (one commit instead of two on the single writer).
            let success = JobSuccess(job: job, note: "accepted by MG \(proof.mgOCID) (HTTP \(response.status))")
            let held = try await proofs.recordDelivery(of: proof, state: .accepted, at: now, ending: success)
            count("accepted", mg: proof.mgOCID)
            return success.outcome(held: held ?? false)
        case .rejected(let reason):
            return try await stopped(proof, state: .rejected, reason: reason, status: response.status, excerpt: excerpt)
        case .refused(let reason):
            return try await stopped(proof, state: .dead, reason: reason, status: response.status, excerpt: excerpt)
        case .retry(let reason, let after):
            return try await failed(
                proof, .retry(error: reason, after: after, httpStatus: response.status, responseExcerpt: excerpt))
        }
    }

    /// A definitive answer: the MG is up (its breaker closes), the delivery stops, and an operator is alerted.
    private func stopped(
        _ proof: StoredProof, state: DeliveryState, reason: String, status: Int, excerpt: String
    ) async throws -> JobOutcome {
        try await proofs.recordDelivery(of: proof, state: state, at: time.now())
        count(state.rawValue, mg: proof.mgOCID)
        logger.error(
            "proof delivery stopped: \(reason)",
            metadata: ["txid": "\(proof.txid)", "session": "\(proof.sessionID)", "mg": "\(proof.mgOCID)"])
        return .dead(error: reason, httpStatus: status, responseExcerpt: excerpt)
    }

    /// A failure the MG may recover from: counted by its breaker, which may open.
    private func failed(_ proof: StoredProof, _ outcome: JobOutcome) async throws -> JobOutcome {
        count("retry", mg: proof.mgOCID)
        let breaker = try await proofs.recordDeliveryFailure(
            mgOCID: proof.mgOCID, threshold: settings.breakerThreshold, pause: settings.breakerPause, now: time.now())
        if breaker.consecutiveFailures >= settings.breakerThreshold, let until = breaker.openUntil {
            Counter(label: "ocgate_delivery_breaker_pauses_total", dimensions: [("mg", "\(proof.mgOCID)")], factory: metrics)
                .increment()
            logger.error(
                "deliveries to MG paused after \(breaker.consecutiveFailures) consecutive failures",
                metadata: ["mg": "\(proof.mgOCID)", "until": "\(until)"])
        }
        return outcome
    }

    /// `ocgate_deliveries_total{mg,outcome}`: one per attempt that reached a verdict about the MG (accepted,
    /// rejected, dead, retry, paused), plus `given_up` when `give_up_after` ends a delivery after its last retry.
    private func count(_ outcome: String, mg: UInt64) {
        Counter(label: "ocgate_deliveries_total", dimensions: [("mg", "\(mg)"), ("outcome", outcome)], factory: metrics)
            .increment()
    }

    /// Response signatures are optional (spec §3.5): a bad one is logged, never acted on.
    private func checkSignature(of response: OutboundResponse, from metadata: PeerMetadata, proof: StoredProof) {
        guard let signatureText = response.headers["x-oc-signature"] else { return }
        let ocid = response.headers["x-oc-id"] ?? ""
        let timestamp = response.headers["x-oc-timestamp"] ?? ""
        let digest = CanonicalResponse(
            ocid: ocid, timestamp: timestamp, status: response.status, bodyHash: SHA256Digest(hashing: response.body)
        ).digest
        let verified = ocid == String(metadata.ocid) && (try? Signature(hex: signatureText)).map { signature in
            verifiedResponses.verify(signature, over: digest, keys: metadata.verificationKeys)
        } == true
        if !verified {
            logger.warning(
                "MG response signature does not verify", metadata: ["mg": "\(proof.mgOCID)", "txid": "\(proof.txid)"])
        }
    }
}
