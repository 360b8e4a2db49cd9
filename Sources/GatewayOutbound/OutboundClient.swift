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
    ///
    /// When a reused keep-alive connection dies before any reply byte, the request is sent again on a fresh
    /// one, as libcurl would: a server may have acted on the first send, so what is POSTed must be idempotent
    /// (proofs are, by txid). Each send makes the request's `freshHeaders` anew.
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
        let pinned = url.literal == nil ? addresses : []
        // One transfer per send: each makes the request's fresh headers when it is created. A send again goes on a
        // new connection: when one kept-alive connection died, those idle beside it (a restarted or idle-timing-out
        // server) likely did too, and a new one cannot have died while idle.
        for attempt in 0...Self.maxSendsAgain {
            let transfer = Transfer(
                request: request, url: url, pinnedAddresses: pinned, policy: policy, started: started,
                freshConnection: attempt > 0)
            switch await run(transfer) {
            case .response(let response):
                logger.debug("\(request.method) \(url.text) -> \(response.status) in \(response.duration.milliseconds) ms")
                return response
            case .failure(let error):
                logger.debug("\(request.method) \(url.text) failed: \(error)")
                throw error
            case .sendAgain:
                logger.debug("\(request.method) \(url.text): a reused connection died before a reply; sending again")
            }
        }
        throw .network(url: url.text, message: "connections died before a reply \(Self.maxSendsAgain + 1) times")
    }

    /// How often one call is sent again after its connection died before a reply, as libcurl bounds its own
    /// resends (5); on new connections, more than once is rare. Each time is a new transfer with fresh headers:
    /// libcurl itself would repeat them as they were.
    static let maxSendsAgain = 5

    private func run(_ transfer: Transfer) async -> Transfer.Outcome {
        // A worker shutting down cancels its task; the transfer stops instead of running to its timeout.
        await withTaskCancellationHandler {
            await withCheckedContinuation { loop.start(transfer, reply: $0) }
        } onCancel: {
            loop.cancel(transfer)
        }
    }
}
