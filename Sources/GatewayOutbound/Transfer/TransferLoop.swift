import CCurl
import Foundation

/// Runs every transfer of one client on a dedicated thread through a libcurl multi handle: blocking socket work
/// never occupies Swift's cooperative pool, and the multi handle's connection cache keeps connections alive
/// per host between requests.
final class TransferLoop: @unchecked Sendable {
    // Safe to share: `multi`, `running` and every easy handle are used only on the loop thread. Other threads
    // touch only `incoming`, `cancelling`, `stopping` and `Transfer.cancelRequested`, under `lock`, and call
    // curl_multi_wakeup, which libcurl documents as callable from any thread while the loop waits in curl_multi_poll.
    private let multi: UnsafeMutableRawPointer
    private let lock = NSLock()
    private var incoming: [Transfer] = []
    private var cancelling: [Transfer] = []
    private var stopping = false
    private var running: [UnsafeMutableRawPointer: Transfer] = [:]
    private var idleHandles: [UnsafeMutableRawPointer] = []
    private let maxIdleHandles: Int

    /// libcurl must be initialised once per process, before any handle exists.
    private static let globalInit: CURLcode = ocg_curl_global_init()

    init(maxConnections: Int) {
        // Both fail only when memory is exhausted; there is no gateway to run without them.
        guard Self.globalInit == CURLE_OK, let multi = curl_multi_init() else {
            preconditionFailure("libcurl could not be initialised")
        }
        self.multi = multi
        maxIdleHandles = maxConnections
        _ = ocg_curl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, maxConnections)
        _ = ocg_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, maxConnections)
        let thread = Thread { [self] in run() }
        thread.name = "ocgate-outbound"
        thread.start()
    }

    /// Queues a transfer; the loop thread picks it up at once and answers on `reply`.
    func start(_ transfer: Transfer, reply: CheckedContinuation<Transfer.Outcome, Never>) {
        transfer.reply = reply
        let accepted = lock.withLock {
            guard !stopping else { return false }
            incoming.append(transfer)
            return true
        }
        guard accepted else {
            transfer.fail(.network(url: transfer.url.text, message: "the outbound client was shut down"))
            return
        }
        curl_multi_wakeup(multi)
    }

    /// Aborts a transfer whose caller went away; it fails with a network error. Harmless once it has finished.
    func cancel(_ transfer: Transfer) {
        lock.withLock {
            transfer.cancelRequested = true
            cancelling.append(transfer)
        }
        curl_multi_wakeup(multi)
    }

    /// Stops the loop thread; transfers still queued or running fail.
    func shutdown() {
        lock.withLock { stopping = true }
        curl_multi_wakeup(multi)
    }

    private func run() {
        var active: Int32 = 0
        while true {
            let (arrived, cancelled, stop) = lock.withLock {
                defer {
                    incoming.removeAll(keepingCapacity: true)
                    cancelling.removeAll(keepingCapacity: true)
                }
                return (incoming.map { ($0, $0.cancelRequested) }, cancelling, stopping)
            }
            if stop {
                close(pending: arrived.map(\.0))
                return
            }
            for (transfer, alreadyCancelled) in arrived {
                if alreadyCancelled {
                    transfer.fail(Self.cancelledError(transfer))
                } else {
                    add(transfer)
                }
            }
            cancelled.forEach(abort)
            curl_multi_perform(multi, &active)
            collectFinished()
            // Returns early on socket activity, on curl's own timers, or on curl_multi_wakeup from `start`.
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }

    private func add(_ transfer: Transfer) {
        guard let easy = idleHandles.popLast() ?? curl_easy_init() else {
            transfer.fail(.network(url: transfer.url.text, message: "libcurl could not create a transfer"))
            return
        }
        do throws(OutboundError) {
            try transfer.configure(easy)
        } catch {
            recycle(easy)
            transfer.fail(error)
            return
        }
        guard curl_multi_add_handle(multi, easy) == CURLM_OK else {
            recycle(easy)
            transfer.fail(.network(url: transfer.url.text, message: "libcurl refused the transfer"))
            return
        }
        running[easy] = transfer
        transfer.easy = easy
    }

    private func abort(_ transfer: Transfer) {
        guard let easy = transfer.easy, running[easy] === transfer else { return }
        curl_multi_remove_handle(multi, easy)
        running[easy] = nil
        transfer.easy = nil
        transfer.fail(Self.cancelledError(transfer))
        withExtendedLifetime(transfer) { recycle(easy) }
    }

    private static func cancelledError(_ transfer: Transfer) -> OutboundError {
        .network(url: transfer.url.text, message: "cancelled by the caller")
    }

    private func collectFinished() {
        var left: Int32 = 0
        while let message = curl_multi_info_read(multi, &left) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let code = ocg_curl_msg_result(message)
            curl_multi_remove_handle(multi, easy)
            // The transfer owns the header and resolve lists the handle points at: keep it until the reset.
            let transfer = running.removeValue(forKey: easy)
            transfer?.easy = nil
            transfer?.finish(code, easy)
            withExtendedLifetime(transfer) { recycle(easy) }
        }
    }

    /// Keeps a few reset handles for the next transfers; connections themselves live in the multi handle's cache.
    private func recycle(_ easy: UnsafeMutableRawPointer) {
        curl_easy_reset(easy)
        if idleHandles.count < maxIdleHandles {
            idleHandles.append(easy)
        } else {
            curl_easy_cleanup(easy)
        }
    }

    private func close(pending: [Transfer]) {
        for (easy, transfer) in running {
            curl_multi_remove_handle(multi, easy)
            curl_easy_cleanup(easy)
            transfer.fail(.network(url: transfer.url.text, message: "the outbound client was shut down"))
        }
        running.removeAll()
        for transfer in pending {
            transfer.fail(.network(url: transfer.url.text, message: "the outbound client was shut down"))
        }
        idleHandles.forEach { curl_easy_cleanup($0) }
        idleHandles.removeAll()
    }

    // The loop thread holds a reference until it returns, so by now nothing can reach the multi handle.
    deinit {
        curl_multi_cleanup(multi)
    }
}
