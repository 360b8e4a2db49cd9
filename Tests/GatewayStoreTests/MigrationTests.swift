import Foundation
@testable import GatewayStore
import GRDB
import Testing

@Suite struct MigrationTests {
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
