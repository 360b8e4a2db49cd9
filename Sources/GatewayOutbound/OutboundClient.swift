import Logging

/// Sends the gateway's outbound HTTP calls through libcurl, after the outbound policy has checked where they go.
///
/// One client keeps one transfer thread and one connection cache; share it across the process so calls to the
/// same host reuse their connections.
public final class OutboundClient: Sendable {
    private let policy: OutboundPolicy
    private let loop: TransferLoop
    private let resolver = HostResolver()
    private let logger: Logger

    /// Creates a client and starts its transfer thread.
    /// - Parameters:
    ///   - policy: where calls may go and how much they may bring back.
    ///   - maxConnections: the most connections open at once, across all hosts; further calls wait their turn.
    ///   - logger: receives refusals (warning) and per-call outcomes (debug).
    public init(policy: OutboundPolicy, maxConnections: Int = 64, logger: Logger) {
        self.policy = policy
        self.loop = TransferLoop(maxConnections: max(1, maxConnections))
        self.logger = logger
    }

    deinit {
        loop.shutdown()
    }

    /// Checks the request against the policy, then sends it.
    ///
    /// Any HTTP status, including 3xx (redirects are never followed) and 5xx, is a response; errors mean no
    /// usable response arrived. Cancelling the calling task aborts the transfer (a `network` error).
    public func send(_ request: OutboundRequest) async throws(OutboundError) -> OutboundResponse {
        let started = ContinuousClock.now
        let url = try OutboundURL(request.url)
        let addresses: [IPAddress]
        do throws(OutboundError) {
            try policy.admitBeforeResolution(url)
            if let literal = url.literal {
                addresses = [literal]
            } else {
                addresses = try await resolver.addresses(of: url, within: request.timeout)
            }
            try policy.admit(url, addresses: addresses)
        } catch {
            if case .refused = error {
                logger.warning("\(error)")
            }
            throw error
        }
        let transfer = Transfer(
            request: request, url: url, pinnedAddresses: url.literal == nil ? addresses : [],
            policy: policy, started: started)
        // A worker shutting down cancels its task; the transfer stops instead of running to its timeout.
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { loop.start(transfer, reply: $0) }
        } onCancel: {
            loop.cancel(transfer)
        }
        switch outcome {
        case .success(let response):
            logger.debug("\(request.method) \(url.text) -> \(response.status) in \(response.duration.milliseconds) ms")
            return response
        case .failure(let error):
            logger.debug("\(request.method) \(url.text) failed: \(error)")
            throw error
        }
    }
}
