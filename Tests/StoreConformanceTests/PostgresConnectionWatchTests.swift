import Foundation
import GatewayStorePostgres
import GatewayTestSupport
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Testing

/// `ConnectionWatch`: a statement whose connection closes under it ends, with its own outcome when it has one and
/// with `PostgresConnectionLost` when it never gets one (what postgres-nio does to a statement written to a channel
/// that already closed: the acceptor stall the chaos test found after an immediate restart).
///
/// A statement that never ends once sent is simulated by a body that waits on a gate (a server that never answers
/// an open connection cannot be had on demand); one written after the close is provoked for real.
@Suite("PostgreSQL connection watch")
struct PostgresConnectionWatchTests {
    private static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    private static func connect() async throws -> PostgresConnection {
        let server = try PostgresStoreConfiguration(url: PostgresTestDatabase.serverURL())
        return try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: server.connectionConfiguration, id: 1,
            logger: logger)
    }

    /// The task's outcome once it ends; nil if it has not ended within `eventually`'s bound, so a statement left
    /// waiting fails the test instead of hanging the run (a task waiting on a continuation ignores cancellation).
    private static func outcome<T: Sendable>(of task: Task<T, any Error>) async throws -> Result<T, any Error>? {
        let box = OutcomeBox<T>()
        Task { await box.set(Result { try await task.value }) }
        guard try await eventually({ await box.result != nil }) else { return nil }
        return await box.result
    }

    @Test func aStatementStrandedOnAClosedConnectionFailsInsteadOfWaitingForEver() async throws {
        let connection = try await Self.connect()
        let watch = ConnectionWatch(grace: .milliseconds(10))
        let never = Gate()
        defer { never.open() }
        let stranded = Task { try await watch.run(on: connection) { await never.wait() } }
        #expect(try await eventually { watch.watchedConnections == 1 }, "the statement runs before the close")

        try await connection.close()

        #expect(try await Self.outcome(of: stranded)?.error is PostgresConnectionLost)
        #expect(try await eventually { watch.watchedConnections == 0 }, "a closed connection is forgotten")
    }

    /// What postgres-nio does to a statement written after its connection closed (the write is dropped, the
    /// statement never answered), provoked for real: the watch refuses it unsent, on both of its paths.
    @Test func aStatementOnAClosedConnectionFailsAtOnceUnsent() async throws {
        let connection = try await Self.connect()
        let watch = ConnectionWatch(grace: .seconds(3600))
        try await connection.close()
        let sent = CallCounter()

        let plain = Task {
            try await watch.run(on: connection) {
                _ = sent.next()
                return connection.query("SELECT 1", logger: Self.logger).map(\.rows.count)
            }
        }
        let viaTask = Task {
            try await watch.run(on: connection) {
                _ = sent.next()
                return try await connection.query("SELECT 1", logger: Self.logger).collect().count
            }
        }

        #expect(try await Self.outcome(of: plain)?.error is PostgresConnectionLost)
        #expect(try await Self.outcome(of: viaTask)?.error is PostgresConnectionLost)
        #expect(sent.value == 0, "nothing is written to a closed connection")
    }

    @Test func aStatementThatEndsWithinTheGraceKeepsItsOwnOutcome() async throws {
        let connection = try await Self.connect()
        let watch = ConnectionWatch(grace: .seconds(3600))
        let finish = Gate()
        let late = Task { try await watch.run(on: connection) { await finish.wait(); return 7 } }
        #expect(try await eventually { watch.watchedConnections == 1 }, "the statement runs before the close")

        try await connection.close()
        #expect(try await eventually { watch.watchedConnections == 0 }, "the watch has seen the close")
        finish.open()

        #expect(try await Self.outcome(of: late)?.get() == 7, "an outcome reported after the close is its caller's")
    }

    @Test func statementsOnAnOpenConnectionReportTheirOutcomesAndShareOneWatch() async throws {
        let connection = try await Self.connect()
        let watch = ConnectionWatch()

        for value in 1...20 {
            let rows = try await watch.run(on: connection) {
                try await connection.query("SELECT \(value)::int AS n", logger: Self.logger).collect()
            }
            #expect(try rows.map { try $0.decode(Int.self) } == [value])
            let viaFuture = try await watch.run(on: connection) {
                connection.query("SELECT \(value)::int AS n", logger: Self.logger).map(\.rows)
            }
            #expect(try viaFuture.map { try $0.decode(Int.self) } == [value])
        }
        let failure = await #expect(throws: PSQLError.self) {
            try await watch.run(on: connection) {
                try await connection.query("SELECT 1 / 0", logger: Self.logger).collect()
            }
        }
        #expect(failure?.serverInfo?[.sqlState] == "22012", "the server's own error reaches the caller")
        #expect(watch.watchedConnections == 1, "one close callback per connection, not one per statement")

        try await connection.close()
        #expect(try await eventually { watch.watchedConnections == 0 })
    }
}

private actor OutcomeBox<T: Sendable> {
    private(set) var result: Result<T, any Error>?

    func set(_ result: Result<T, any Error>) { self.result = result }
}

extension Result {
    fileprivate var error: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
