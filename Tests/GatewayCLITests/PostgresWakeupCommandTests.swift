import Foundation
import GatewayStore
import GatewayStorePostgres
import GatewayTestSupport
import Logging
import PostgresNIO
import Testing

/// A one-shot verb on PostgreSQL tells other hosts' workers of the jobs it made due before it exits: its NOTIFY
/// goes out after the commit, from a task the process would otherwise end with.
@Suite("One-shot verbs wake other hosts (PostgreSQL)")
struct PostgresWakeupCommandTests {
    private static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Two jobs retried one after the other: the first NOTIFY goes at once, the second at the end of the debounce
    /// window, 100 ms on, long after a process that did not wait would have exited.
    @Test func jobsRetryNotifiesOtherHostsBeforeItExits() async throws {
        let spool = try await SpoolFixture(.postgres)
        let database = try #require(spool.database)
        let first = try await spool.finished("beta", .dead(AttemptFailure(error: "boom")))
        let second = try await spool.finished("beta", .dead(AttemptFailure(error: "boom")))
        // The fixture enqueued from this process: its own NOTIFYs are out before anyone listens.
        await spool.queue.notifier.announcementsSent()

        let heard = try await Self.listen(on: database, for: 2) {
            let retried = try spool.ocgate(["jobs", "retry", "\(first)", "\(second)"])
            #expect(retried.status == 0, "\(retried.stderr)")
        }
        #expect(heard, "another host's listener heard of both retries")
    }

    @Test func jobsRetryAllDeadNotifiesOtherHostsBeforeItExits() async throws {
        let spool = try await SpoolFixture(.postgres)
        let database = try #require(spool.database)
        _ = try await spool.finished("beta", .dead(AttemptFailure(error: "boom")))
        await spool.queue.notifier.announcementsSent()

        let heard = try await Self.listen(on: database, for: 1) {
            let retried = try spool.ocgate(["jobs", "retry", "--all-dead"])
            #expect(retried.status == 0, "\(retried.stderr)")
        }
        #expect(heard)
    }

    /// LISTENs on the jobs channel as another host's listener does, runs `command` (which has exited when it
    /// returns), and answers whether `count` notifications arrived: after the command, any that was sent is on its
    /// way, so the wait is bounded by `eventually` and only a notification never sent makes it fail.
    private static func listen(
        on database: PostgresSpoolDatabase, for count: Int, while command: () throws -> Void
    ) async throws -> Bool {
        let configuration = try PostgresStoreConfiguration(url: database.url).connectionConfiguration
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: quiet)
        defer { Task { try? await connection.close() } }
        return try await connection.listen(on: WakeupOptions().channel) { listening in
            let notifications = CallCounter()
            let consumer = Task {
                for try await _ in listening { _ = notifications.next() }
            }
            defer { consumer.cancel() }
            try command()
            return try await eventually { notifications.value >= count }
        }
    }
}
