import ArgumentParser
import Foundation
import GatewayAssembly
import GatewayConfig
import Logging
import GatewayCore
import GatewayStore
import ServiceLifecycle

/// `--config` plus opening the spool: what every verb that touches the queue shares.
struct RuntimeOptions: ParsableArguments {
    @OptionGroup var config: ConfigOptions

    /// Opens the configured spool and its storage; a problem is one line and exit code 1.
    func open() throws -> GatewayRuntime {
        try Self.open(try config.load())
    }

    /// Opens the configured spool and runs a verb that may enqueue jobs; whatever `work` ends with, returns only once
    /// other processes' workers have been told of what it enqueued (PostgreSQL's NOTIFY goes out after the commit,
    /// and a process that exits first would take it along, leaving the jobs to the workers' next poll), or after
    /// `announcementWait` if the database cannot take the NOTIFY: the jobs are committed, and the poll finds them.
    func enqueuing<T>(_ work: (GatewayRuntime) async throws -> T) async throws -> T {
        let runtime = try open()
        let outcome: Result<T, any Error>
        do { outcome = .success(try await work(runtime)) } catch { outcome = .failure(error) }
        let notifier = runtime.stores.jobs.notifier
        await Self.atMost(Self.announcementWait) { await notifier.announcementsSent() }
        return try outcome.get()
    }

    /// How long a one-shot verb waits for its NOTIFY before it exits anyway.
    static let announcementWait = Duration.seconds(5)

    /// Returns when `wait` has, or after `limit`, whichever is first; `wait` goes on in its own task.
    private static func atMost(_ limit: Duration, _ wait: @escaping @Sendable () async -> Void) async {
        let first = FirstOutcome<Void>()
        // Neither racer fails: the outcome is only which ended first.
        try? await first.value {
            Task {
                await wait()
                first.settle(.success(()))
            }
            Task {
                try? await Task.sleep(for: limit)
                first.settle(.success(()))
            }
        }
    }

    /// Opens `configuration`'s spool and storage through the composition root; a problem is one line and exit code 1.
    static func open(_ configuration: GatewayConfiguration) throws -> GatewayRuntime {
        let runtime: GatewayRuntime
        do { runtime = try GatewayAssembly.runtime(configuration) } catch { throw CommandFailure(error.description) }
        if configuration.store.backend == .postgres {
            // A one-shot verb runs no ServiceGroup, but PostgreSQL's connection pool serves no query until it runs:
            // it runs in the background here and ends with the process. (SQLite's service only flushes at a graceful
            // shutdown, which a one-shot verb never asks for, so it is left alone.)
            let services = runtime.services
            Task.detached {
                try? await withThrowingDiscardingTaskGroup { group in
                    for service in services { group.addTask { try await service.run() } }
                }
            }
        }
        return runtime
    }

    /// Opens a whole gateway (storage, identity, peers, payment backend) through the composition root.
    static func gateway(_ configuration: GatewayConfiguration, slots: Int? = nil, logger: Logger) throws -> Gateway {
        do { return try GatewayAssembly.gateway(configuration, slots: slots, logger: logger) } catch {
            throw CommandFailure(error.description)
        }
    }
}

