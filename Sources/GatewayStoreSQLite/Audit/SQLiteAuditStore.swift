import Foundation
import GRDB
import GatewayStore

/// The audit log in the spool. `AUTOINCREMENT` ids never repeat, so a page boundary (`beforeID`) means the same
/// thing forever.
struct SQLiteAuditStore: AuditStore {
    let database: SQLiteDatabase

    @discardableResult
    func record(_ entry: NewAuditEntry) async throws -> AuditEntry {
        let id = try await database.write { db in
            try Int64.fetchOne(db, sql: """
                INSERT INTO audit_log (at, action, target, client, outcome) VALUES (?, ?, ?, ?, ?) RETURNING id
                """, arguments: [entry.at.millis, entry.action, entry.target, entry.client, entry.outcome])
        }
        guard let id else { throw StoreError.inconsistent("the audit log returned no id for \(entry.action)") }
        return AuditEntry(
            id: id, at: entry.at, action: entry.action, target: entry.target, client: entry.client, outcome: entry.outcome)
    }

    func entries(beforeID: Int64?, limit: Int) async throws -> [AuditEntry] {
        try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?
                """, arguments: [beforeID ?? Int64.max, limit]
            ).map { row in
                AuditEntry(
                    id: row["id"], at: Date(millis: row["at"]), action: row["action"], target: row["target"],
                    client: row["client"], outcome: row["outcome"])
            }
        }
    }
}
