import Foundation
import GatewayStore
import Logging
import PostgresNIO
import ServiceLifecycle

/// Hears other processes' enqueues: LISTENs on the jobs channel on a connection of its own (a pooled connection
/// would be handed to queries, and LISTEN belongs to the session) and wakes this process's workers on every
/// notification. When the connection drops it reconnects with backoff, LISTENs again and wakes the workers at once,
/// since whatever was notified meanwhile is lost. Workers keep polling regardless, so a lost notification only
/// delays work by one poll.
///
/// `@unchecked Sendable`: the counters are only touched under `lock`.
package final class JobListener: Service, @unchecked Sendable {
    /// Seen by tests: how often LISTEN took effect and how many notifications came in.
    package struct Counts: Sendable, Equatable {
        package var listens = 0
        package var notifications = 0
    }

    /// What this listener's connection calls itself in `pg_stat_activity`.
    package static let applicationName = "ocgate-listener"

    private let configuration: PostgresStoreConfiguration
    private let options: WakeupOptions
    private let notifier: JobNotifier
    private let logger: Logger
    private let lock = NSLock()
    private var counts = Counts()

    init(configuration: PostgresStoreConfiguration, options: WakeupOptions, notifier: JobNotifier, logger: Logger) {
        self.configuration = configuration
        self.options = options
        self.notifier = notifier
        self.logger = logger
    }

    package var observed: Counts { lock.withLock { counts } }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.listenUntilCancelled()
        }
    }

    private func listenUntilCancelled() async {
        var delay = options.reconnectDelay
        while !Task.isCancelled {
            if await listenOnce() { delay = options.reconnectDelay }
            guard !Task.isCancelled else { return }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, options.maxReconnectDelay)
        }
    }

    /// One connection's life: connect, LISTEN, wake the workers on each notification until the connection ends.
    /// - Returns: whether LISTEN took effect (the next reconnect starts from the shortest delay).
    private func listenOnce() async -> Bool {
        var listened = false
        do {
            let connection = try await PostgresConnection.connect(
                configuration: configuration.connectionConfiguration(applicationName: Self.applicationName), id: 0,
                logger: logger)
            do {
                try await connection.listen(on: options.channel) { notifications in
                    listened = true
                    lock.withLock { counts.listens += 1 }
                    // Notifications sent while nobody listened are gone: look for work now.
                    notifier.wakeWorkers()
                    for try await _ in notifications {
                        lock.withLock { counts.notifications += 1 }
                        notifier.wakeWorkers()
                    }
                }
            } catch {
                if !Task.isCancelled { log(error, listened: listened) }
            }
            try? await connection.close()
        } catch {
            if !Task.isCancelled { log(error, listened: listened) }
        }
        return listened
    }

    private func log(_ error: any Error, listened: Bool) {
        logger.notice(
            listened ? "lost the job notification connection; reconnecting" : "could not listen for job notifications; retrying",
            metadata: ["database": "\(configuration.location)", "error": "\(String(reflecting: error))"])
    }
}
