import Foundation
import GatewayStore

/// How a process tells the others that jobs were enqueued (NOTIFY) and hears of theirs (LISTEN).
package struct WakeupOptions: Sendable {
    /// The channel every ocgate process on one database notifies and listens on.
    package var channel = "ocgate_jobs"
    /// The least time between two NOTIFYs of this process: a burst of enqueues sends one at once and one at the
    /// window's end, not one each.
    package var window: Duration = .milliseconds(100)
    /// The clock `window` is measured on (a test's, to move it by hand).
    package var time: any TimeSource = SystemTime()
    /// The listener's first wait before it reconnects; it doubles up to `maxReconnectDelay`.
    package var reconnectDelay: Duration = .milliseconds(50)
    package var maxReconnectDelay: Duration = .seconds(5)

    package init() {}
}
