import Foundation
import GatewayStore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// The PostgreSQL schema's whole history, oldest first. Append only: never edit, renumber or reorder a migration;
/// a change is a new one at the end.
///
/// Written for PostgreSQL, not translated from the SQLite schema: ids are `BIGINT GENERATED ALWAYS AS IDENTITY`,
/// every instant is a `BIGINT` of milliseconds since 1970 (as the contracts' `Date(millis:)`, exact to the
/// millisecond, and comparable with the database clock as `databaseNowMillis`), session expiries are unix seconds
/// as the contracts give them, amounts are exact decimal TEXT, OCIDs are UInt64 bit patterns in BIGINT.
enum PostgresSchema {
    struct Migration {
        let version: Int
        let name: String
        /// One statement each: the extended protocol runs one statement per query.
        let statements: [String]
    }

    static let migrations: [Migration] = [
        // The queue. `jobs_due` is the partial index a claim walks (`FOR UPDATE SKIP LOCKED` in its order);
        // `jobs_leases` finds lapsed leases. `retry_base`/`retry_since` are where the retry budget starts counting.
        Migration(version: 1, name: "jobs", statements: [
            """
            CREATE TABLE jobs (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                kind TEXT NOT NULL,
                payload BYTEA NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'dead', 'cancelled')),
                priority BIGINT NOT NULL DEFAULT 0,
                run_at BIGINT NOT NULL,
                attempt BIGINT NOT NULL DEFAULT 0,
                max_attempts BIGINT,
                unique_key TEXT UNIQUE,
                worker TEXT,
                locked_until BIGINT,
                started_at BIGINT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                finished_at BIGINT,
                last_error TEXT,
                retry_base BIGINT NOT NULL DEFAULT 0,
                retry_since BIGINT NOT NULL
            )
            """,
            "CREATE INDEX jobs_due ON jobs (priority, run_at, id) WHERE state = 'queued'",
            "CREATE INDEX jobs_leases ON jobs (locked_until) WHERE state = 'running'",
            "CREATE INDEX jobs_state_kind ON jobs (state, kind)",
            "CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('succeeded', 'cancelled')",
            """
            CREATE TABLE job_attempts (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                job_id BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
                attempt BIGINT NOT NULL,
                worker TEXT,
                started_at BIGINT NOT NULL,
                duration_ms BIGINT NOT NULL,
                outcome TEXT NOT NULL,
                error TEXT,
                http_status BIGINT,
                response_excerpt TEXT,
                note TEXT,
                next_run_at BIGINT
            )
            """,
            "CREATE INDEX job_attempts_job ON job_attempts (job_id, id)",
            "CREATE INDEX job_attempts_started ON job_attempts (started_at)",
            "CREATE TABLE queue_flags (name TEXT PRIMARY KEY, value BOOLEAN NOT NULL)",
        ]),
        // Sessions and their charges. The UNIQUE key is the idempotency key: one session per (mg, merchant, order).
        Migration(version: 2, name: "sessions", statements: [
            """
            CREATE TABLE checkout_sessions (
                id TEXT PRIMARY KEY,
                mg_ocid BIGINT NOT NULL,
                merchant_ocid BIGINT NOT NULL,
                order_id TEXT NOT NULL,
                order_json TEXT NOT NULL,
                order_signature TEXT NOT NULL,
                request_digest TEXT NOT NULL,
                amount TEXT NOT NULL,
                currency TEXT NOT NULL,
                success_url TEXT NOT NULL,
                cancel_url TEXT NOT NULL,
                status TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                charge_reference TEXT,
                status_changed_at BIGINT,
                late BOOLEAN NOT NULL DEFAULT false,
                merchant_name TEXT,
                CONSTRAINT checkout_sessions_order_key UNIQUE (mg_ocid, merchant_ocid, order_id)
            )
            """,
            "CREATE INDEX checkout_sessions_pending ON checkout_sessions (expires_at) WHERE status = 'pending'",
            "CREATE INDEX checkout_sessions_created ON checkout_sessions (created_at)",
            """
            CREATE TABLE payment_charges (
                reference TEXT PRIMARY KEY,
                session_id TEXT NOT NULL REFERENCES checkout_sessions (id),
                backend TEXT NOT NULL,
                state TEXT NOT NULL,
                settles_at BIGINT,
                created_at BIGINT NOT NULL,
                processor_id TEXT
            )
            """,
            "CREATE INDEX payment_charges_session ON payment_charges (session_id)",
        ]),
        // Peers: the metadata cache, request nonces (unique per caller) and admitted partners.
        Migration(version: 3, name: "peers", statements: [
            "CREATE TABLE peer_metadata (ocid BIGINT PRIMARY KEY, document BYTEA NOT NULL, fetched_at BIGINT NOT NULL)",
            """
            CREATE TABLE nonces (
                ocid BIGINT NOT NULL,
                nonce TEXT NOT NULL,
                seen_at BIGINT NOT NULL,
                PRIMARY KEY (ocid, nonce)
            )
            """,
            "CREATE INDEX nonces_seen_at ON nonces (seen_at)",
            """
            CREATE TABLE partners (
                ocid BIGINT PRIMARY KEY,
                name TEXT NOT NULL,
                public_key TEXT NOT NULL,
                endpoint TEXT NOT NULL,
                status TEXT NOT NULL,
                added_at BIGINT NOT NULL
            )
            """,
        ]),
        // Proofs and the ledger: one proof per session and per txid, one ledger entry per txid, whatever races.
        Migration(version: 4, name: "proofs-ledger", statements: [
            """
            CREATE TABLE transfer_proofs (
                txid TEXT PRIMARY KEY,
                session_id TEXT NOT NULL UNIQUE REFERENCES checkout_sessions (id),
                mg_ocid BIGINT NOT NULL,
                proof_json TEXT NOT NULL,
                signature TEXT NOT NULL,
                amount TEXT NOT NULL,
                currency TEXT NOT NULL,
                issued_at BIGINT NOT NULL,
                delivery_state TEXT NOT NULL DEFAULT 'pending',
                delivered_at BIGINT
            )
            """,
            "CREATE INDEX transfer_proofs_mg ON transfer_proofs (mg_ocid, issued_at)",
            """
            CREATE TABLE ledger_entries (
                txid TEXT PRIMARY KEY REFERENCES transfer_proofs (txid),
                mg_ocid BIGINT NOT NULL,
                currency TEXT NOT NULL,
                amount TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                statement_id TEXT
            )
            """,
            """
            CREATE INDEX ledger_entries_open ON ledger_entries (mg_ocid, currency, created_at)
                WHERE statement_id IS NULL
            """,
            "CREATE INDEX ledger_entries_mg ON ledger_entries (mg_ocid, created_at)",
            """
            CREATE TABLE delivery_breakers (
                mg_ocid BIGINT PRIMARY KEY,
                consecutive_failures BIGINT NOT NULL,
                open_until BIGINT,
                updated_at BIGINT NOT NULL
            )
            """,
        ]),
        // Settlement: one statement per (mg, currency, cut-off); an entry in at most one statement.
        Migration(version: 5, name: "settlement", statements: [
            """
            CREATE TABLE settlement_statements (
                id TEXT PRIMARY KEY,
                mg_ocid BIGINT NOT NULL,
                currency TEXT NOT NULL,
                period_start BIGINT,
                period_end BIGINT NOT NULL,
                entry_count BIGINT NOT NULL,
                total TEXT NOT NULL,
                statement_json TEXT NOT NULL,
                signature TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                files_written_at BIGINT,
                notify_state TEXT,
                CONSTRAINT settlement_statements_period_key UNIQUE (mg_ocid, currency, period_end)
            )
            """,
            """
            CREATE TABLE statement_entries (
                txid TEXT PRIMARY KEY REFERENCES ledger_entries (txid),
                statement_id TEXT NOT NULL REFERENCES settlement_statements (id)
            )
            """,
            "CREATE INDEX statement_entries_statement ON statement_entries (statement_id)",
            """
            ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_statement_fk
                FOREIGN KEY (statement_id) REFERENCES settlement_statements (id)
            """,
        ]),
        // `create` reads the drain flag `FOR SHARE` (see `PostgresSessionStore.create`): the row must exist for a
        // lock to order a drain against the creates in flight, so it is there from the start. And
        // `GET /orders/{orderId}/status` finds a caller's order without its merchant, which the unique key (merchant
        // second) cannot serve.
        Migration(version: 6, name: "drain-flag-row-and-sessions-by-mg-order", statements: [
            "INSERT INTO queue_flags (name, value) VALUES ('draining', false) ON CONFLICT (name) DO NOTHING",
            "CREATE INDEX checkout_sessions_mg_order ON checkout_sessions (mg_ocid, order_id, created_at)",
        ]),
        // The operator console (as SQLite's v14): `jobs.mg_ocid` (NULL for jobs enqueued before it), indexes that
        // walk one filter's jobs newest first, sessions paged by `(created_at, id)` in byte order (as every backend
        // sorts ids) and found by order id, charges and proofs counted by time, and the audit log.
        Migration(version: 7, name: "console", statements: [
            "ALTER TABLE jobs ADD COLUMN mg_ocid BIGINT",
            "CREATE INDEX jobs_state_id ON jobs (state, id)",
            "CREATE INDEX jobs_kind_id ON jobs (kind, id)",
            "CREATE INDEX jobs_mg_id ON jobs (mg_ocid, id)",
            "DROP INDEX checkout_sessions_created",
            "CREATE INDEX checkout_sessions_created_id ON checkout_sessions (created_at, id COLLATE \"C\")",
            "CREATE INDEX checkout_sessions_order ON checkout_sessions (order_id)",
            "CREATE INDEX payment_charges_created ON payment_charges (created_at)",
            "CREATE INDEX transfer_proofs_issued ON transfer_proofs (issued_at)",
            """
            CREATE TABLE audit_log (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                at BIGINT NOT NULL,
                action TEXT NOT NULL,
                target TEXT NOT NULL,
                client TEXT NOT NULL,
                outcome TEXT NOT NULL
            )
            """,
        ]),
        // As SQLite's v16: the idempotency key leads with the order id, `(order_id, mg_ocid, merchant_ocid)`, and so
        // serves `GET /orders/{orderId}/status` (order id and MG) and the console's search (order id alone), which
        // had an index each. Every session row version (a checkout, then each status change, none of them a HOT
        // update) wrote an entry in both, on a random page when order ids are random. The new key is built before
        // the old one goes, so the key is enforced throughout; `ON CONFLICT (mg_ocid, merchant_ocid, order_id)`
        // finds it whatever its column order.
        Migration(version: 8, name: "one-order-id-index", statements: [
            "CREATE UNIQUE INDEX checkout_sessions_order_key_v8 ON checkout_sessions (order_id, mg_ocid, merchant_ocid)",
            "ALTER TABLE checkout_sessions DROP CONSTRAINT checkout_sessions_order_key",
            """
            ALTER TABLE checkout_sessions ADD CONSTRAINT checkout_sessions_order_key
                UNIQUE USING INDEX checkout_sessions_order_key_v8
            """,
            "DROP INDEX checkout_sessions_mg_order",
            "DROP INDEX checkout_sessions_order",
        ]),
    ]

    /// Any fixed number: every ocgate process that migrates takes this transaction-scoped advisory lock first.
    static let advisoryLock: Int64 = 0x6f63_6761_7465  // "ocgate"

    /// Brings the database up to the newest migration, in one transaction holding the advisory lock, so hosts that
    /// start together apply each migration once and the losers find it done. Blocks the calling thread: opening a
    /// store is synchronous, and the connection's work runs on NIO's event loops, never on the caller's thread.
    /// - Throws: `StoreError.schemaTooNew` when the database has migrations this binary does not know.
    static func migrate(_ configuration: PostgresStoreConfiguration, logger: Logger) throws {
        let connection = try PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration.connectionConfiguration,
            id: 0, logger: logger
        ).wait()
        defer { try? connection.close().wait() }
        func run(_ sql: String) throws -> PostgresQueryResult {
            try connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).wait()
        }
        _ = try run("BEGIN")
        do {
            // `store.statement_timeout` is for the gateway's statements (this connection never sets it), and a
            // timeout the role or database has by default is lifted too: an index built over a large table's rows
            // takes what it takes, and a migration cut short rolls back and leaves every host unable to start.
            _ = try run("SET LOCAL statement_timeout = 0")
            _ = try run("SELECT pg_advisory_xact_lock(\(advisoryLock))")
            _ = try run("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version BIGINT PRIMARY KEY,
                    name TEXT NOT NULL,
                    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )
                """)
            var applied: [Int: String] = [:]
            for row in try run("SELECT version, name FROM schema_migrations").rows {
                let (version, name) = try row.decode((Int64, String).self)
                applied[Int(version)] = name
            }
            let known = Set(migrations.map(\.version))
            let unknown = applied.filter { !known.contains($0.key) }.sorted { $0.key < $1.key }
            guard unknown.isEmpty else {
                throw StoreError.schemaTooNew(
                    path: configuration.location, unknownMigrations: unknown.map { "\($0.key)-\($0.value)" })
            }
            for migration in migrations where applied[migration.version] == nil {
                for statement in migration.statements { _ = try run(statement) }
                _ = try connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(Int64(migration.version)), \(migration.name))",
                    logger: logger
                ).wait()
            }
            _ = try run("COMMIT")
        } catch {
            _ = try? run("ROLLBACK")
            throw error
        }
    }
}
