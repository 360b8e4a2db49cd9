import Foundation
import GatewayStore
@testable import GatewayStoreSQLite
import GRDB
import Testing

@Suite struct MigrationTests {
    /// A spool migrated up to `migration` (included) and seeded by `seed` in one transaction, then closed, as an
    /// older ocgate would leave it.
    private func spool(upTo migration: String, _ seed: @escaping @Sendable (Database) throws -> Void) async throws
        -> Scratch
    {
        let scratch = try Scratch()
        let old = try DatabaseQueue(path: scratch.databasePath)
        try SchemaMigrations.migrator.migrate(old, upTo: migration)
        try await old.write(seed)
        try old.close()
        return scratch
    }

    @Test func emptyDatabaseGetsEveryMigration() throws {
        let scratch = try Scratch()
        let database = try scratch.database()
        let applied = try database.read { db in try SchemaMigrations.migrator.appliedIdentifiers(db) }
        #expect(applied == Set(SchemaMigrations.migrator.migrations))
        #expect(try database.read { db in try db.tableExists("queue_flags") })
    }

    @Test func previousSchemaVersionIsUpgradedKeepingRows() async throws {
        let scratch = try Scratch()
        let first = SchemaMigrations.migrator.migrations[0]
        let old = try DatabaseQueue(path: scratch.databasePath)
        try SchemaMigrations.migrator.migrate(old, upTo: first)
        try await old.write { db in
            try db.execute(sql: """
                INSERT INTO jobs (kind, payload, state, run_at, created_at, updated_at, retry_since)
                VALUES ('callback.deliver', x'7B7D', 'queued', 0, 0, 0, 0)
                """)
            #expect(try !db.tableExists("queue_flags"))
        }
        try old.close()

        let queue = SQLiteJobQueue(database: try scratch.database())
        #expect(try await queue.list(JobFilter()).map(\.kind) == ["callback.deliver"])
        try await queue.setDraining(true)
        #expect(try await queue.isDraining())
    }

    @Test func proofsMoveToARowidTableWithEveryRowAndKeyKept() async throws {
        let scratch = try await spool(upTo: "v10-settlement") { db in
            for (index, session) in ["cs_b", "cs_a"].enumerated() {
                try db.execute(sql: """
                    INSERT INTO checkout_sessions (id, mg_ocid, merchant_ocid, order_id, order_json, order_signature,
                        request_digest, amount, currency, success_url, cancel_url, status, created_at, expires_at)
                    VALUES (?, 300, 500, ?, '{}', 'sig', 'digest', '1.00', 'USD', 'https://s', 'https://c', 'completed', 0, 9)
                    """, arguments: [session, "order-\(index)"])
                try db.execute(sql: """
                    INSERT INTO transfer_proofs (txid, session_id, mg_ocid, proof_json, signature, amount, currency,
                        issued_at, delivery_state, delivered_at)
                    VALUES (?, ?, 300, ?, 'sig', '1.00', 'USD', ?, 'accepted', 7)
                    """, arguments: ["pg_tx_\(session)", session, "{\"proof\":\(index)}", 100 - index])
                try db.execute(sql: "INSERT INTO ledger_entries (txid, mg_ocid, currency, amount, created_at) VALUES (?, 300, 'USD', '1.00', 0)",
                    arguments: ["pg_tx_\(session)"])
            }
        }

        let database = try scratch.database()
        try await database.write { db in
            let table = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'transfer_proofs'") ?? ""
            #expect(!table.contains("WITHOUT ROWID"))
            #expect(try db.indexes(on: "transfer_proofs").contains { $0.name == "transfer_proofs_mg" })
            let rows = try Row.fetchAll(db, sql: "SELECT txid, session_id, proof_json, issued_at, delivery_state, delivered_at FROM transfer_proofs ORDER BY txid")
            #expect(rows.map { $0["txid"] as String } == ["pg_tx_cs_a", "pg_tx_cs_b"])
            #expect(rows.map { $0["session_id"] as String } == ["cs_a", "cs_b"])
            #expect(rows.map { $0["proof_json"] as String } == ["{\"proof\":1}", "{\"proof\":0}"])
            #expect(rows.map { $0["issued_at"] as Int64 } == [99, 100])
            #expect(rows.allSatisfy { $0["delivery_state"] == "accepted" && $0["delivered_at"] == 7 })
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            try db.execute(sql: """
                INSERT INTO checkout_sessions (id, mg_ocid, merchant_ocid, order_id, order_json, order_signature,
                    request_digest, amount, currency, success_url, cancel_url, status, created_at, expires_at)
                VALUES ('cs_c', 300, 500, 'order-2', '{}', 'sig', 'digest', '1.00', 'USD', 'https://s', 'https://c', 'completed', 0, 9)
                """)
            let duplicate = #expect(throws: DatabaseError.self, "txid stays unique") {
                try db.execute(sql: """
                    INSERT INTO transfer_proofs (txid, session_id, mg_ocid, proof_json, signature, amount, currency, issued_at)
                    VALUES ('pg_tx_cs_a', 'cs_c', 300, '{}', 'sig', '1.00', 'USD', 0)
                    """)
            }
            #expect(duplicate?.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY)
            #expect(throws: DatabaseError.self, "a ledger entry still needs its proof") {
                try db.execute(sql: "INSERT INTO ledger_entries (txid, mg_ocid, currency, amount, created_at) VALUES ('pg_tx_none', 300, 'USD', '1', 0)")
            }
        }
    }

    @Test func sessionsMoveToARowidTableWithEveryColumnKeyAndReferenceKept() async throws {
        let scratch = try await spool(upTo: "v11-proofs-in-issue-order") { db in
            try db.execute(sql: """
                INSERT INTO checkout_sessions (id, mg_ocid, merchant_ocid, order_id, order_json, order_signature,
                    request_digest, amount, currency, success_url, cancel_url, status, created_at, expires_at,
                    charge_reference, status_changed_at, late, merchant_name)
                VALUES ('cs_paid', 300, 500, 'order-1', '{"id":"order-1"}', 'sig', 'digest', '12.30', 'EUR', 'https://s',
                    'https://c', 'completed', 5, 9, 'sbx_1', 7, 1, 'Café <b>')
                """)
            try db.execute(sql: """
                INSERT INTO checkout_sessions (id, mg_ocid, merchant_ocid, order_id, order_json, order_signature,
                    request_digest, amount, currency, success_url, cancel_url, status, created_at, expires_at)
                VALUES ('cs_open', 300, 500, 'order-2', '{}', 'sig', 'digest', '1.00', 'USD', 'https://s', 'https://c',
                    'pending', 6, 10)
                """)
            try db.execute(sql: """
                INSERT INTO payment_charges (reference, session_id, backend, state, created_at)
                VALUES ('sbx_1', 'cs_paid', 'sandbox', 'succeeded', 6)
                """)
            try db.execute(sql: """
                INSERT INTO transfer_proofs (txid, session_id, mg_ocid, proof_json, signature, amount, currency, issued_at)
                VALUES ('pg_tx_1', 'cs_paid', 300, '{}', 'sig', '12.30', 'EUR', 7)
                """)
        }

        let database = try scratch.database()
        try await database.write { db in
            let table = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'checkout_sessions'") ?? ""
            #expect(!table.contains("WITHOUT ROWID"))
            let indexes = try db.indexes(on: "checkout_sessions").map(\.name)
            #expect(indexes.contains("checkout_sessions_status") && indexes.contains("checkout_sessions_created_id"))
            let paid = try #require(try Row.fetchOne(db, sql: "SELECT * FROM checkout_sessions WHERE id = 'cs_paid'"))
            let texts: [String?] = ["order_json", "amount", "currency", "charge_reference", "merchant_name", "status"].map { paid[$0] }
            #expect(texts == [#"{"id":"order-1"}"#, "12.30", "EUR", "sbx_1", "Café <b>", "completed"])
            let numbers: [Int64?] = ["status_changed_at", "late", "created_at", "expires_at"].map { paid[$0] }
            #expect(numbers == [7, 1, 5, 9])
            let open = try #require(try Row.fetchOne(db, sql: "SELECT * FROM checkout_sessions WHERE id = 'cs_open'"))
            let openLate: Int64? = open["late"]
            let openName: String? = open["merchant_name"]
            #expect(openLate == 0 && openName == nil)
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            let insert = """
                INSERT INTO checkout_sessions (id, mg_ocid, merchant_ocid, order_id, order_json, order_signature,
                    request_digest, amount, currency, success_url, cancel_url, status, created_at, expires_at)
                VALUES (?, 300, 500, ?, '{}', 'sig', 'digest', '1.00', 'USD', 'https://s', 'https://c', 'pending', 6, 10)
                """
            let sameID = #expect(throws: DatabaseError.self) { try db.execute(sql: insert, arguments: ["cs_open", "order-3"]) }
            #expect(sameID?.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY)
            let sameOrder = #expect(throws: DatabaseError.self) { try db.execute(sql: insert, arguments: ["cs_new", "order-2"]) }
            #expect(sameOrder?.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE, "the idempotency key stays unique")
            #expect(throws: DatabaseError.self, "a charge still needs its session") {
                try db.execute(sql: """
                    INSERT INTO payment_charges (reference, session_id, backend, state, created_at)
                    VALUES ('sbx_2', 'cs_none', 'sandbox', 'pending', 6)
                    """)
            }
        }
    }

    @Test func aVersion13SpoolGainsTheConsoleSchemaWithOldJobsAboutNoMG() async throws {
        let scratch = try await spool(upTo: "v13-sessions-by-mg-order") { db in
            try db.execute(sql: """
                INSERT INTO jobs (kind, payload, state, run_at, created_at, updated_at, retry_since, last_error)
                VALUES ('callback.deliver', x'7B7D', 'dead', 0, 0, 0, 0, 'HTTP 503')
                """)
        }

        let database = try scratch.database()
        let queue = SQLiteJobQueue(database: database)
        let old13 = try #require(try await queue.list(JobFilter()).first)
        #expect(old13.mgOCID == nil, "jobs enqueued before v14 name no MG")
        #expect(try await queue.list(JobFilter(mgOCID: 300)).isEmpty)
        #expect(try await queue.count(matching: JobFilter(errorContains: "503")) == 1)
        let new = try await queue.enqueue(NewJob(kind: "work", mgOCID: 300)).id
        #expect(try await queue.list(JobFilter(mgOCID: 300)).map(\.id) == [new])
        let (audit, jobIndexes, sessionIndexes) = try await database.read { db in
            (try db.tableExists("audit_log"), try db.indexes(on: "jobs").map(\.name),
             try db.indexes(on: "checkout_sessions").map(\.name))
        }
        #expect(audit)
        #expect(jobIndexes.contains("jobs_mg_id"))
        #expect(sessionIndexes.contains("checkout_sessions_mg_created"))
    }

    /// v16 rebuilds the sessions table around an idempotency key that leads with the order id: every row and rowid
    /// kept, the key still unique, and every lookup by order id (alone, with the MG, with the MG and merchant) on it.
    @Test func aVersion15SpoolFindsSessionsByOrderIDThroughTheIdempotencyKey() async throws {
        let scratch = try await spool(upTo: "v15-sessions-by-mg-and-status-in-time") { db in
            // Rowids with gaps, so a copy that numbered the rows afresh would show.
            for (rowid, id, merchant, order, created) in [
                (10, "cs_b", 500, "order-1", 5), (20, "cs_a", 501, "order-1", 6), (35, "cs_c", 500, "order-2", 7),
            ] {
                try db.execute(
                    sql: """
                        INSERT INTO checkout_sessions (rowid, id, mg_ocid, merchant_ocid, order_id, order_json,
                            order_signature, request_digest, amount, currency, success_url, cancel_url, status, created_at,
                            expires_at, merchant_name)
                        VALUES (?, ?, 300, ?, ?, '{}', 'sig', 'digest', '1.00', 'USD', 'https://s', 'https://c', 'pending',
                            ?, 10, 'Café')
                        """,
                    arguments: [rowid, id, merchant, order, created])
            }
            try db.execute(sql: """
                INSERT INTO payment_charges (reference, session_id, backend, state, created_at)
                VALUES ('sbx_1', 'cs_a', 'sandbox', 'succeeded', 6)
                """)
        }

        let database = try scratch.database()
        let store = SQLiteSessionStore(
            database: database, queue: SQLiteJobQueue(database: database), nonces: SQLiteNonceStore(database: database))
        let latest = try await store.session(mgOCID: 300, orderID: "order-1", merchantOCID: nil)
        #expect(latest?.id == "cs_a", "the newest of the MG's sessions with that order id")
        #expect(try await store.session(mgOCID: 300, orderID: "order-1", merchantOCID: 500)?.merchantName == "Café")
        try await database.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT rowid, id FROM checkout_sessions ORDER BY rowid")
            #expect(rows.map { $0["id"] as String } == ["cs_b", "cs_a", "cs_c"], "rows kept in creation order")
            #expect(rows.map { $0[0] as Int64 } == [10, 20, 35], "every row keeps its rowid")
            let indexes = try db.indexes(on: "checkout_sessions").map(\.name)
            #expect(!indexes.contains("checkout_sessions_mg_order") && !indexes.contains("checkout_sessions_order"))
            #expect(indexes.contains("checkout_sessions_status_created") && indexes.contains("checkout_sessions_created_id"))
            let key = try #require(try db.indexes(on: "checkout_sessions").first { $0.isUnique && $0.columns.count == 3 })
            #expect(key.columns == ["order_id", "mg_ocid", "merchant_ocid"])
            // The store's own statements (the console's search by order id alone, the order status route's with and
            // without the merchant), planned as they run.
            let lookups: [(String, StatementArguments)] = [
                ("SELECT id FROM checkout_sessions WHERE order_id = ?", ["order-1"]),
                (SQLiteSessionStore.byOrderID(withMerchant: false), [300, "order-1"]),
                (SQLiteSessionStore.byOrderID(withMerchant: true), [300, "order-1", 500]),
            ]
            for (lookup, arguments) in lookups {
                let plan = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + lookup, arguments: arguments)
                    .map(\.description).joined(separator: "; ")
                #expect(plan.contains("USING INDEX \(key.name)"), "\(lookup): \(plan)")
            }
            let duplicate = #expect(throws: DatabaseError.self) {
                try db.execute(sql: """
                    INSERT INTO checkout_sessions (id, mg_ocid, merchant_ocid, order_id, order_json, order_signature,
                        request_digest, amount, currency, success_url, cancel_url, status, created_at, expires_at)
                    VALUES ('cs_d', 300, 500, 'order-2', '{}', 'sig', 'digest', '1.00', 'USD', 'https://s', 'https://c',
                        'pending', 8, 10)
                    """)
            }
            #expect(duplicate?.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE, "the idempotency key stays unique")
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty, "the charge still has its session")
            #expect(throws: DatabaseError.self, "a charge still needs its session") {
                try db.execute(sql: """
                    INSERT INTO payment_charges (reference, session_id, backend, state, created_at)
                    VALUES ('sbx_2', 'cs_none', 'sandbox', 'pending', 6)
                    """)
            }
        }
    }

    /// A console page with any one filter walks an index in id order: no scan of the table, no sort.
    @Test func jobPagesWithAnyOneFilterUseAnIndexInIdOrder() async throws {
        let scratch = try Scratch()
        let database = try scratch.database()
        let filters = [
            JobFilter(state: .dead, limit: 50), JobFilter(kind: "callback.deliver", limit: 50),
            JobFilter(mgOCID: 300, limit: 50), JobFilter(mgOCID: 300, beforeID: 1000, limit: 50),
            JobFilter(state: .dead, mgOCID: 300, errorContains: "503", limit: 50),
        ]
        for filter in filters {
            let (clause, arguments) = filter.pageClause
            let plan = try await database.read { db in
                try Row.fetchAll(
                    db, sql: "EXPLAIN QUERY PLAN SELECT id FROM jobs WHERE \(clause) ORDER BY id DESC LIMIT 50",
                    arguments: arguments
                ).map { $0["detail"] as String }.joined(separator: "; ")
            }
            #expect(plan.contains("USING INDEX") || plan.contains("USING COVERING INDEX"), "\(filter): \(plan)")
            #expect(!plan.contains("TEMP B-TREE"), "\(filter): \(plan)")
        }
    }

    /// A sessions page filtered by MG (with or without a status) or by status walks an index in `(created_at, id)`
    /// order and stops after the page: no sort of everything the filter matches.
    @Test func sessionPagesByMGOrStatusWalkAnIndexInTimeOrder() async throws {
        let scratch = try Scratch()
        let database = try scratch.database()
        let filters = ["mg_ocid = 300", "mg_ocid = 300 AND status = 'pending'", "status = 'completed'",
            "mg_ocid = 300 AND (created_at, id) < (5, 'cs_x')"]
        for filter in filters {
            let plan = try await database.read { db in
                try Row.fetchAll(
                    db, sql: """
                        EXPLAIN QUERY PLAN SELECT * FROM checkout_sessions WHERE \(filter)
                        ORDER BY created_at DESC, id DESC LIMIT 51
                        """
                ).map { $0["detail"] as String }.joined(separator: "; ")
            }
            #expect(plan.contains("USING INDEX"), "\(filter): \(plan)")
            #expect(!plan.contains("TEMP B-TREE"), "\(filter): \(plan)")
        }
    }

    /// Each batch of the maintenance sweeps finds its rows by an index range and looks rows up by their whole key
    /// (the job prune: a range of `(state, id)` after the last batch's id): a batch that walks a table runs a thousand
    /// times per prune.
    @Test func maintenanceBatchesFindTheirRowsByAnIndexRange() async throws {
        let scratch = try Scratch()
        let database = try scratch.database()
        let statements: [(String, [Int64], expected: [String])] = [
            (MaintenanceStatements.noncePrune, [5, 1000], ["USING COVERING INDEX nonces_seen_at (seen_at<?)"]),
            (MaintenanceStatements.sessionExpiry, [1, 5, 1000], [
                "USING INDEX sqlite_autoindex_checkout_sessions_1 (id=?)",
                "USING INDEX checkout_sessions_status (status=? AND expires_at<?)",
            ]),
            (MaintenanceStatements.jobPruneBatch, [0, 5, 5, 1000], ["USING INDEX jobs_state_id (state=? AND id>?)"]),
            (MaintenanceStatements.jobPrune, [0, 5, 1000, 5], ["USING INDEX jobs_state_id (state=? AND id>? AND id<?)"]),
        ]
        for (sql, arguments, expected) in statements {
            let plan = try await database.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: StatementArguments(arguments))
                    .map { $0["detail"] as String }
            }
            for step in expected { #expect(plan.contains { $0.hasSuffix(step) }, "\(sql)\n\(plan)") }
            #expect(!plan.contains { $0.hasPrefix("SCAN") }, "\(sql)\n\(plan)")
            // The nonces' key is (ocid, nonce): a lookup by its first column alone walks a peer's every nonce.
            #expect(!plan.contains { $0.contains("PRIMARY KEY (ocid=?)") }, "\(sql)\n\(plan)")
        }
    }

    @Test func newerSchemaIsRefusedWithOneLine() throws {
        let scratch = try Scratch()
        try scratch.database().write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
        }
        #expect(throws: StoreError.schemaTooNew(path: scratch.databasePath, unknownMigrations: ["v99-from-the-future"])) {
            try scratch.database()
        }
        let message = StoreError.schemaTooNew(path: "x.db", unknownMigrations: ["v99"]).description
        #expect(!message.contains("\n") && message.contains("v99"))
    }
}
