import GRDB
import GatewayStore

/// The schema's whole history, oldest first. Append only: never edit or reorder a registered migration;
/// later modules (sessions, ledger, nonces …) add theirs at the end.
enum SchemaMigrations {
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()

        // Times are integer milliseconds since 1970. `retry_base`/`retry_since` are where the retry budget
        // starts counting (job creation, or the last operator retry), so a revived job gets a fresh schedule
        // while `attempt` keeps counting every run.
        migrator.registerMigration("v1-jobs") { db in
            try db.execute(sql: """
                CREATE TABLE jobs (
                    id INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL,
                    payload BLOB NOT NULL,
                    state TEXT NOT NULL,
                    priority INTEGER NOT NULL DEFAULT 0,
                    run_at INTEGER NOT NULL,
                    attempt INTEGER NOT NULL DEFAULT 0,
                    max_attempts INTEGER,
                    unique_key TEXT,
                    worker TEXT,
                    locked_until INTEGER,
                    started_at INTEGER,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    finished_at INTEGER,
                    last_error TEXT,
                    retry_base INTEGER NOT NULL DEFAULT 0,
                    retry_since INTEGER NOT NULL
                );
                CREATE UNIQUE INDEX jobs_unique_key ON jobs(unique_key);
                CREATE INDEX jobs_runnable ON jobs(priority, run_at, id) WHERE state = 'queued';
                CREATE INDEX jobs_leases ON jobs(locked_until) WHERE state = 'running';
                CREATE INDEX jobs_state_kind ON jobs(state, kind);

                CREATE TABLE job_attempts (
                    id INTEGER PRIMARY KEY,
                    job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                    attempt INTEGER NOT NULL,
                    worker TEXT,
                    started_at INTEGER NOT NULL,
                    duration_ms INTEGER NOT NULL,
                    outcome TEXT NOT NULL,
                    error TEXT,
                    http_status INTEGER,
                    response_excerpt TEXT,
                    note TEXT,
                    next_run_at INTEGER
                );
                CREATE INDEX job_attempts_job ON job_attempts(job_id, id);
                CREATE INDEX job_attempts_started ON job_attempts(started_at);
                """)
        }

        // Operator switches shared by every process on the spool (the drain flag first).
        migrator.registerMigration("v2-queue-flags") { db in
            try db.execute(sql: """
                CREATE TABLE queue_flags (
                    name TEXT PRIMARY KEY,
                    value INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }

        // Checkout sessions (issue 5). One row per accepted checkout; the UNIQUE key is the idempotency key of
        // DESIGN.md, so the same order id under the same MG and merchant can never make two sessions.
        migrator.registerMigration("v3-checkout-sessions") { db in
            try db.execute(sql: """
                CREATE TABLE checkout_sessions (
                    id TEXT PRIMARY KEY,
                    mg_ocid INTEGER NOT NULL,
                    merchant_ocid INTEGER NOT NULL,
                    order_id TEXT NOT NULL,
                    order_json TEXT NOT NULL,
                    order_signature TEXT NOT NULL,
                    request_digest TEXT NOT NULL,
                    amount TEXT NOT NULL,
                    currency TEXT NOT NULL,
                    success_url TEXT NOT NULL,
                    cancel_url TEXT NOT NULL,
                    status TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    UNIQUE (mg_ocid, merchant_ocid, order_id)
                ) WITHOUT ROWID;
                CREATE INDEX checkout_sessions_status ON checkout_sessions(status, expires_at);
                """)
        }

        // ---- peers (issue 5): peer metadata cache, request nonces, partners ----
        // `peer_metadata` keeps the raw fetched document so a restart within the cache TTL verifies it again
        // instead of refetching. `nonces` is shared by every acceptor on the spool: the primary key makes
        // recording race-free across processes. `partners` lists the MGs an operator admitted.
        migrator.registerMigration("v4-peers") { db in
            try db.execute(sql: """
                CREATE TABLE peer_metadata (
                    ocid INTEGER PRIMARY KEY,
                    document BLOB NOT NULL,
                    fetched_at INTEGER NOT NULL
                );

                CREATE TABLE nonces (
                    ocid INTEGER NOT NULL,
                    nonce TEXT NOT NULL,
                    seen_at INTEGER NOT NULL,
                    PRIMARY KEY (ocid, nonce)
                ) WITHOUT ROWID;
                CREATE INDEX nonces_seen_at ON nonces(seen_at);

                CREATE TABLE partners (
                    ocid INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    public_key TEXT NOT NULL,
                    endpoint TEXT NOT NULL,
                    status TEXT NOT NULL,
                    added_at INTEGER NOT NULL
                );
                """)
        }
        // ---- end peers ----

        // Payment of a session (issue 6): the charge that claimed it and when its status last moved. Charges are
        // their own rows so a session claimed twice would show as two rows: the claim is what keeps it to one.
        migrator.registerMigration("v6-session-payment") { db in
            try db.execute(sql: """
                ALTER TABLE checkout_sessions ADD COLUMN charge_reference TEXT;
                ALTER TABLE checkout_sessions ADD COLUMN status_changed_at INTEGER;
                CREATE TABLE payment_charges (
                    reference TEXT PRIMARY KEY,
                    session_id TEXT NOT NULL REFERENCES checkout_sessions(id),
                    backend TEXT NOT NULL,
                    state TEXT NOT NULL,
                    settles_at INTEGER,
                    created_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX payment_charges_session ON payment_charges(session_id);
                """)
        }

        // Proofs and the MG ledger (issue 6). `proof_json` holds the exact canonical bytes that were signed, so every
        // delivery attempt sends them unchanged. `session_id UNIQUE` and the ledger's txid key make a second issue
        // impossible whatever the code above does (lesson 12). `delivery_breakers` is the per-MG circuit breaker,
        // shared by every worker process and readable by `jobs stats`.
        migrator.registerMigration("v7-proofs-ledger") { db in
            try db.execute(sql: """
                CREATE TABLE transfer_proofs (
                    txid TEXT PRIMARY KEY,
                    session_id TEXT NOT NULL UNIQUE REFERENCES checkout_sessions(id),
                    mg_ocid INTEGER NOT NULL,
                    proof_json TEXT NOT NULL,
                    signature TEXT NOT NULL,
                    amount TEXT NOT NULL,
                    currency TEXT NOT NULL,
                    issued_at INTEGER NOT NULL,
                    delivery_state TEXT NOT NULL DEFAULT 'pending',
                    delivered_at INTEGER
                ) WITHOUT ROWID;
                CREATE INDEX transfer_proofs_mg ON transfer_proofs(mg_ocid, issued_at);

                CREATE TABLE ledger_entries (
                    txid TEXT PRIMARY KEY REFERENCES transfer_proofs(txid),
                    mg_ocid INTEGER NOT NULL,
                    currency TEXT NOT NULL,
                    amount TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    statement_id TEXT
                ) WITHOUT ROWID;
                CREATE INDEX ledger_entries_unsettled ON ledger_entries(mg_ocid, currency, created_at)
                    WHERE statement_id IS NULL;

                ALTER TABLE checkout_sessions ADD COLUMN late INTEGER NOT NULL DEFAULT 0;

                CREATE TABLE delivery_breakers (
                    mg_ocid INTEGER PRIMARY KEY,
                    consecutive_failures INTEGER NOT NULL,
                    open_until INTEGER,
                    updated_at INTEGER NOT NULL
                );
                """)
        }

        // Session lifecycle (issue 6): the merchant's display name that `session.open` resolved, so the hosted page
        // needs no metadata fetch; the creation-time index serves `ocgate sessions list`, newest first.
        migrator.registerMigration("v8-session-lifecycle") { db in
            try db.execute(sql: """
                ALTER TABLE checkout_sessions ADD COLUMN merchant_name TEXT;
                CREATE INDEX checkout_sessions_created ON checkout_sessions(created_at);
                """)
        }

        // The http payment backend (issue 6): the id the external processor gave a charge, which its status URL
        // needs. NULL until the processor answered the start; charges of the sandbox never have one.
        migrator.registerMigration("v9-charge-processor-id") { db in
            try db.execute(sql: "ALTER TABLE payment_charges ADD COLUMN processor_id TEXT")
        }

        // Settlement (issue 7). A statement nets one MG's unsettled ledger entries in one currency up to a cut-off.
        // `UNIQUE (mg_ocid, currency, period_end)` makes a re-run or a racing run for the same cut-off write no
        // second statement, and `statement_entries.txid` as primary key puts an entry in at most one statement
        // (lesson 12). `statement_json` holds the exact canonical bytes that were signed, like a proof's.
        // `files_written_at` stays NULL until the JSON and CSV files are in `spool/statements/`, so a run that
        // died between its commit and its files has them written by the next run.
        migrator.registerMigration("v10-settlement") { db in
            try db.execute(sql: """
                CREATE TABLE settlement_statements (
                    id TEXT PRIMARY KEY,
                    mg_ocid INTEGER NOT NULL,
                    currency TEXT NOT NULL,
                    period_start INTEGER,
                    period_end INTEGER NOT NULL,
                    entry_count INTEGER NOT NULL,
                    total TEXT NOT NULL,
                    statement_json TEXT NOT NULL,
                    signature TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    files_written_at INTEGER,
                    notify_state TEXT,
                    UNIQUE (mg_ocid, currency, period_end)
                ) WITHOUT ROWID;

                CREATE TABLE statement_entries (
                    txid TEXT PRIMARY KEY REFERENCES ledger_entries(txid),
                    statement_id TEXT NOT NULL REFERENCES settlement_statements(id)
                ) WITHOUT ROWID;
                CREATE INDEX statement_entries_statement ON statement_entries(statement_id);
                """)
        }

        // Proofs in a rowid table, in the order they are issued, `txid` kept unique by its own index. Keyed by the
        // random txid, a proof went to a random page of the table, a WAL frame of its own, and did so again when
        // its delivery was recorded; in issue order a batch of proofs shares the table's last pages, where the
        // delivery, milliseconds later, finds its row. `bench flow` wrote 8–9 % fewer bytes. The table is rebuilt
        // (SQLite's way to change this), every proof copied in one transaction, as stored (no sort: a large spool's
        // old proofs are delivered already, and sorting them would hold them all in memory); GRDB checks the
        // ledger's foreign keys at its end.
        migrator.registerMigration("v11-proofs-in-issue-order") { db in
            try db.execute(sql: """
                CREATE TABLE transfer_proofs_v11 (
                    txid TEXT NOT NULL PRIMARY KEY,
                    session_id TEXT NOT NULL UNIQUE REFERENCES checkout_sessions(id),
                    mg_ocid INTEGER NOT NULL,
                    proof_json TEXT NOT NULL,
                    signature TEXT NOT NULL,
                    amount TEXT NOT NULL,
                    currency TEXT NOT NULL,
                    issued_at INTEGER NOT NULL,
                    delivery_state TEXT NOT NULL DEFAULT 'pending',
                    delivered_at INTEGER
                );
                INSERT INTO transfer_proofs_v11 (txid, session_id, mg_ocid, proof_json, signature, amount, currency,
                        issued_at, delivery_state, delivered_at)
                    SELECT txid, session_id, mg_ocid, proof_json, signature, amount, currency, issued_at,
                        delivery_state, delivered_at
                    FROM transfer_proofs;
                DROP TABLE transfer_proofs;
                ALTER TABLE transfer_proofs_v11 RENAME TO transfer_proofs;
                CREATE INDEX transfer_proofs_mg ON transfer_proofs(mg_ocid, issued_at);
                """)
        }

        // Sessions in a rowid table, in the order they are created, `id` and the idempotency key kept unique by
        // their own indexes. Keyed by the random session id, each checkout's ~650-byte row went to a random page
        // holding four or five others, and every few inserts split one, writing three or four pages; appended,
        // it shares the table's last page with the rest of its batch, and only the small index entries go to
        // random pages. `bench checkout`: 6,103–6,286 → 6,673–6,804 and 6,345–6,594 → 7,055–7,149 checkouts/s in
        // alternating pairs. The table is rebuilt like the proofs' in v11, every session copied as stored in one
        // transaction; on a large spool that takes a while and, until it commits, twice the table's space.
        migrator.registerMigration("v12-sessions-in-creation-order") { db in
            let columns = """
                id, mg_ocid, merchant_ocid, order_id, order_json, order_signature, request_digest, amount, currency,
                success_url, cancel_url, status, created_at, expires_at, charge_reference, status_changed_at, late,
                merchant_name
                """
            try db.execute(sql: """
                CREATE TABLE checkout_sessions_v12 (
                    id TEXT NOT NULL PRIMARY KEY,
                    mg_ocid INTEGER NOT NULL,
                    merchant_ocid INTEGER NOT NULL,
                    order_id TEXT NOT NULL,
                    order_json TEXT NOT NULL,
                    order_signature TEXT NOT NULL,
                    request_digest TEXT NOT NULL,
                    amount TEXT NOT NULL,
                    currency TEXT NOT NULL,
                    success_url TEXT NOT NULL,
                    cancel_url TEXT NOT NULL,
                    status TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    charge_reference TEXT,
                    status_changed_at INTEGER,
                    late INTEGER NOT NULL DEFAULT 0,
                    merchant_name TEXT,
                    UNIQUE (mg_ocid, merchant_ocid, order_id)
                );
                INSERT INTO checkout_sessions_v12 (\(columns)) SELECT \(columns) FROM checkout_sessions;
                DROP TABLE checkout_sessions;
                ALTER TABLE checkout_sessions_v12 RENAME TO checkout_sessions;
                CREATE INDEX checkout_sessions_status ON checkout_sessions(status, expires_at);
                CREATE INDEX checkout_sessions_created ON checkout_sessions(created_at);
                """)
        }

        // `GET /orders/{orderId}/status` finds a caller's order without its merchant: the unique key leads with
        // the merchant, so it cannot serve that lookup.
        migrator.registerMigration("v13-sessions-by-mg-order") { db in
            try db.execute(sql: "CREATE INDEX checkout_sessions_mg_order ON checkout_sessions(mg_ocid, order_id, created_at)")
        }

        // The operator console. `jobs.mg_ocid` names the MG a job is about (NULL for jobs enqueued before this
        // migration, and for jobs about no MG), for filters by MG. A listing page is newest first by id: the
        // `(state, id)`, `(kind, id)` and `(mg_ocid, id)` indexes walk one filter's jobs in that order, so a page of
        // 50 reads about 50 rows whatever the table's size. Sessions page by `(created_at, id)` and are found by
        // order id alone; the charts count charges and proofs by time. `audit_log` keeps operators' actions.
        migrator.registerMigration("v14-console") { db in
            try db.execute(sql: """
                ALTER TABLE jobs ADD COLUMN mg_ocid INTEGER;
                CREATE INDEX jobs_state_id ON jobs(state, id);
                CREATE INDEX jobs_kind_id ON jobs(kind, id);
                CREATE INDEX jobs_mg_id ON jobs(mg_ocid, id);
                DROP INDEX checkout_sessions_created;
                CREATE INDEX checkout_sessions_created_id ON checkout_sessions(created_at, id);
                CREATE INDEX checkout_sessions_order ON checkout_sessions(order_id);
                CREATE INDEX payment_charges_created ON payment_charges(created_at);
                CREATE INDEX transfer_proofs_issued ON transfer_proofs(issued_at);
                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at INTEGER NOT NULL,
                    action TEXT NOT NULL,
                    target TEXT NOT NULL,
                    client TEXT NOT NULL,
                    outcome TEXT NOT NULL
                );
                """)
        }

        // A console page of one MG's (or one status's) sessions walks one of these indexes newest first and stops
        // after a page; before, SQLite read every session of the MG through `checkout_sessions_mg_order` (or of the
        // status through `checkout_sessions_status`, which the expiry sweep needs as it is) and sorted them: 40 ms
        // for 10,000, growing with the MG. Two more index entries per checkout.
        migrator.registerMigration("v15-sessions-by-mg-and-status-in-time") { db in
            try db.execute(sql: """
                CREATE INDEX checkout_sessions_mg_created ON checkout_sessions(mg_ocid, created_at, id);
                CREATE INDEX checkout_sessions_status_created ON checkout_sessions(status, created_at, id);
                """)
        }

        // One index for everything that finds a session by its order id: the idempotency key now leads with the
        // order id, `(order_id, mg_ocid, merchant_ocid)`, so it serves the key's own check, `GET /orders/{id}/status`
        // (order id and MG) and the console's search by order id (order id alone), and the two indexes that did the
        // last two (`checkout_sessions_mg_order`, `checkout_sessions_order`) are gone. Order ids are the caller's and
        // often random, so each of those indexes put a checkout's entry on a random page, which the commit wrote to
        // the log and the checkpoint copied back: two of the five random pages a checkout wrote (docs/benchmarks.md,
        // "One index for the order id"). SQLite cannot drop a table constraint, so the table is rebuilt as in v12,
        // every row keeping its rowid (creation order); on a large spool that takes a while and, until it commits,
        // twice the table's space.
        migrator.registerMigration("v16-one-order-id-index") { db in
            let columns = """
                id, mg_ocid, merchant_ocid, order_id, order_json, order_signature, request_digest, amount, currency,
                success_url, cancel_url, status, created_at, expires_at, charge_reference, status_changed_at, late,
                merchant_name
                """
            try db.execute(sql: """
                CREATE TABLE checkout_sessions_v16 (
                    id TEXT NOT NULL PRIMARY KEY,
                    mg_ocid INTEGER NOT NULL,
                    merchant_ocid INTEGER NOT NULL,
                    order_id TEXT NOT NULL,
                    order_json TEXT NOT NULL,
                    order_signature TEXT NOT NULL,
                    request_digest TEXT NOT NULL,
                    amount TEXT NOT NULL,
                    currency TEXT NOT NULL,
                    success_url TEXT NOT NULL,
                    cancel_url TEXT NOT NULL,
                    status TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    charge_reference TEXT,
                    status_changed_at INTEGER,
                    late INTEGER NOT NULL DEFAULT 0,
                    merchant_name TEXT,
                    UNIQUE (order_id, mg_ocid, merchant_ocid)
                );
                INSERT INTO checkout_sessions_v16 (rowid, \(columns))
                    SELECT rowid, \(columns) FROM checkout_sessions ORDER BY rowid;
                DROP TABLE checkout_sessions;
                ALTER TABLE checkout_sessions_v16 RENAME TO checkout_sessions;
                CREATE INDEX checkout_sessions_status ON checkout_sessions(status, expires_at);
                CREATE INDEX checkout_sessions_created_id ON checkout_sessions(created_at, id);
                CREATE INDEX checkout_sessions_mg_created ON checkout_sessions(mg_ocid, created_at, id);
                CREATE INDEX checkout_sessions_status_created ON checkout_sessions(status, created_at, id);
                """)
        }

        return migrator
    }()
}
