import Foundation
import GatewayStore
import GatewayStorePostgres
import GatewayTestSupport
import Logging
import PostgresNIO
import Testing

/// The session every pooled connection runs in: `store.statement_timeout` and UTC, straight to the server and through
/// pgbouncer in session mode, the pooler `docs/operations.md` supports. pgbouncer refuses a connection whose startup
/// packet carries a parameter it does not track, which is what `statement_timeout` used to be: every connection
/// through it failed with `unsupported startup parameter`. Fail (never skip) without `OCGATE_TEST_POSTGRES_URL` or,
/// for the pgbouncer cases, `OCGATE_TEST_PGBOUNCER_URL`.
@Suite("PostgreSQL sessions", .serialized, .timeLimit(.minutes(3)))
struct PostgresSessionTests {
    enum Route: String, CaseIterable, CustomTestStringConvertible {
        case direct, pgbouncer
        var testDescription: String { rawValue }

        /// Where the test's databases are made and its backends connect.
        func serverURL() throws -> String {
            switch self {
            case .direct: try PostgresTestDatabase.serverURL()
            case .pgbouncer: try TestPgBouncer.serverURL()
            }
        }
    }

    private static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test(arguments: Route.allCases)
    func everyConnectionRunsWithTheStatementTimeoutAndUTC(route: Route) async throws {
        let shared = try PostgresTestDatabase.openShared(
            time: SystemTime(), url: route.serverURL(), statementTimeout: .seconds(2))
        defer { shared.discard() }
        let backend = shared.backends[0]

        let first = try await backend.session()
        #expect(first.statementTimeout == "2s")
        #expect(first.timeZone == "UTC")

        // A statement that outlasts the timeout is cancelled by the server (57014, query_canceled) after 2 s, not 5.
        let cancelled = await #expect(throws: PSQLError.self) { try await backend.session(sleeping: 5) }
        #expect(cancelled?.serverInfo?[.sqlState] == "57014", "\(String(reflecting: cancelled))")

        // The connection is ended under the pool; the one that serves next is set up too.
        let admin = try PostgresStoreConfiguration(url: PostgresTestDatabase.serverURL())
        try PostgresAdmin.run("SELECT pg_terminate_backend(\(first.pid))", on: admin, logger: Self.quiet)
        var next: (pid: Int32, statementTimeout: String, timeZone: String)?
        #expect(try await eventually {
            next = try? await backend.session()
            return next != nil
        })
        #expect(next?.pid != first.pid)
        #expect(next?.statementTimeout == "2s")
        #expect(next?.timeZone == "UTC")
    }

    /// Two hosts on one database through pgbouncer: the schema migrated through it, a job enqueued on one host wakes
    /// the other's listener (LISTEN and NOTIFY, which need the session pgbouncer's session mode keeps), and the other
    /// host claims and finishes it.
    @Test func twoHostsShareTheQueueThroughPgBouncer() async throws {
        let shared = try PostgresTestDatabase.openShared(count: 2, time: SystemTime(), url: TestPgBouncer.serverURL())
        defer { shared.discard() }
        let (a, b) = (shared.backends[0], shared.backends[1])
        #expect(try await eventually { b.listener.observed.listens >= 1 })

        let wake = WakeSignal()
        b.stores.jobs.notifier.subscribe(wake)
        let generation = wake.generation
        let heard = b.listener.observed.notifications
        let enqueued = try await a.stores.jobs.enqueue(NewJob(kind: "bouncer.test"))
        await wake.wait(since: generation, timeout: .seconds(120))
        #expect(try await eventually { b.listener.observed.notifications > heard })

        let claimed = try await b.stores.jobs.claim(kinds: ["bouncer.test"], limit: 10, worker: "b", lease: .seconds(30))
        #expect(claimed.map(\.id) == [enqueued.id])
        #expect(try await b.stores.jobs.finish(claimed.map { JobFinish($0, .succeeded(note: nil)) }) == [true])
        #expect(try await a.stores.jobs.show(id: enqueued.id)?.job.state == .succeeded)
    }
}
