import Foundation
import GatewayStore
import Logging
import PostgresNIO

/// Tells workers in other processes that jobs were enqueued: `pg_notify` on the jobs channel after each enqueue
/// commit, debounced to one per window (see `Debouncer`). Sent on the pool after the commit, never inside the
/// enqueuing transaction, so a checkout does not wait for it. A NOTIFY that fails is only logged: workers poll.
///
/// `@unchecked Sendable`: `muted` is only touched under `lock`.
package final class JobAnnouncer: @unchecked Sendable {
    private let debouncer: Debouncer
    private let lock = NSLock()
    private var muted = false

    init(leases: ConnectionLeases, options: WakeupOptions, logger: Logger) {
        let channel = options.channel
        debouncer = Debouncer(window: options.window, time: options.time) {
            do {
                _ = try await leases.leased { try await $0.run("SELECT pg_notify(\(channel), '')") }
            } catch {
                logger.notice("could not notify workers of new jobs; they find them by polling",
                              metadata: ["error": "\(String(reflecting: error))"])
            }
        }
    }

    /// After a commit that enqueued due jobs.
    func jobsEnqueued() {
        guard !lock.withLock({ muted }) else { return }
        debouncer.request()
    }

    /// Returns once every NOTIFY asked for so far has been sent (or has failed): see `Debouncer.flush`.
    func flush() async { await debouncer.flush() }

    /// Stops (true) or resumes sending: tests lose notifications on purpose with it.
    package var isMuted: Bool {
        get { lock.withLock { muted } }
        set { lock.withLock { muted = newValue } }
    }

    /// Requests and NOTIFYs so far (tests count them).
    package var counts: Debouncer.Counts { debouncer.counts }
}
