import Foundation
import GatewayStore
import NIOCore
import PostgresNIO

/// Keeps a statement from waiting for ever on a connection that closed under it.
///
/// postgres-nio 1.33 hands each statement to its connection's channel without a promise for the write. A statement
/// written after the channel closed and dropped its handlers is dropped with them, and whoever awaits it waits for
/// ever (upstream #487, reverted by #501); so does the pool's shutdown, which waits for that lease to come back. The
/// chaos test met it after an immediate restart under load: an acceptor stopped taking checkouts, and processes
/// ignored SIGTERM.
///
/// So a statement's caller waits for the statement (its future, or a task of its own for the calls postgres-nio
/// only offers as `async`) or for the connection's close, whichever ends first. After a close the statement gets
/// `grace` to report its own outcome (one the connection had taken fails or succeeds at once); then its caller gets
/// `PostgresConnectionLost`, the lease goes back, and the statement is left waiting on a connection nobody holds.
///
/// A connection's close is watched with one callback, registered when its first statement runs: a callback per
/// statement would pile up on a connection that lives for days.
///
/// `@unchecked Sendable`: `running` and `nextTicket` are only touched under `lock`.
package final class ConnectionWatch: @unchecked Sendable {
    private let lock = NSLock()
    /// Per open connection this has seen, the statements running on it, by ticket.
    private var running: [PostgresConnection.ID: [UInt64: @Sendable () -> Void]] = [:]
    private var nextTicket: UInt64 = 0
    private let grace: TimeAmount

    package init(grace: TimeAmount = .seconds(2)) {
        self.grace = grace
    }

    /// Runs `statement` on `connection`; throws `PostgresConnectionLost` at once if the connection is closed already
    /// (a statement never sent cannot have committed), and if it closes and the statement has not ended `grace`
    /// later.
    package func run<T: Sendable>(
        on connection: PostgresConnection, _ statement: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await outcome(on: connection) { outcome in
            Task {
                do {
                    outcome.settle(.success(try await statement()))
                } catch {
                    outcome.settle(.failure(error))
                }
            }
        }
    }

    /// The same for a statement postgres-nio answers with a future, with no task of its own: `statement` is called on
    /// the connection's event loop, after a look at whether the connection is still open, so no close can come
    /// between that look and the write. (A write dropped by a closed channel would also free the statement's promise
    /// unfulfilled, which debug builds of NIO stop the process for.)
    package func run<T: Sendable>(
        on connection: PostgresConnection, _ statement: @escaping @Sendable () -> EventLoopFuture<T>
    ) async throws -> T {
        try await outcome(on: connection) { outcome in
            connection.eventLoop.flatSubmit {
                connection.isClosed ? connection.eventLoop.makeFailedFuture(PostgresConnectionLost()) : statement()
            }.whenComplete { outcome.settle($0) }
        }
    }

    /// Waits for what `start` settles, or for `PostgresConnectionLost` `grace` after `connection` closes.
    private func outcome<T: Sendable>(
        on connection: PostgresConnection, start: (FirstOutcome<T>) -> Void
    ) async throws -> T {
        guard !connection.isClosed else { throw PostgresConnectionLost() }
        let outcome = FirstOutcome<T>()
        let eventLoop = connection.eventLoop
        let grace = grace
        let ticket = watch(connection) {
            eventLoop.scheduleTask(in: grace) { outcome.settle(.failure(PostgresConnectionLost())) }
        }
        defer { unwatch(connection.id, ticket) }
        return try await outcome.value { start(outcome) }
    }

    /// Connections watched and not yet closed (tests check that closed ones are forgotten).
    package var watchedConnections: Int { lock.withLock { running.count } }

    private func watch(_ connection: PostgresConnection, onClose: @escaping @Sendable () -> Void) -> UInt64 {
        let id = connection.id
        let (ticket, first) = lock.withLock {
            nextTicket += 1
            let first = running[id] == nil
            running[id, default: [:]][nextTicket] = onClose
            return (nextTicket, first)
        }
        if first {
            connection.closeFuture.whenComplete { _ in self.closed(id) }
        }
        return ticket
    }

    private func unwatch(_ id: PostgresConnection.ID, _ ticket: UInt64) {
        lock.withLock { _ = running[id]?.removeValue(forKey: ticket) }
    }

    private func closed(_ id: PostgresConnection.ID) {
        let stranded = lock.withLock { running.removeValue(forKey: id) ?? [:] }
        for onClose in stranded.values { onClose() }
    }
}

/// The connection closed while a statement ran, and the statement never said how it ended: it may or may not have
/// committed.
package struct PostgresConnectionLost: Error, CustomStringConvertible {
    package var description: String {
        "the connection to PostgreSQL closed while a statement ran; its outcome is unknown"
    }
}
