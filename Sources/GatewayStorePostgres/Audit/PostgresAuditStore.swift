import Foundation
import GatewayStore
import PostgresNIO

/// The audit log on PostgreSQL. Ids come from an identity sequence: they grow, though across hosts not in commit
/// order, which a newest-first page by id does not need.
struct PostgresAuditStore: AuditStore {
    let database: PostgresDatabase

    @discardableResult
    func record(_ entry: NewAuditEntry) async throws -> AuditEntry {
        let rows = try await database.run("""
            INSERT INTO audit_log (at, action, target, client, outcome)
            VALUES (\(entry.at.millis), \(entry.action), \(entry.target), \(entry.client), \(entry.outcome))
            RETURNING id
            """)
        guard let row = rows.first else { throw StoreError.inconsistent("the audit log returned no id for \(entry.action)") }
        return AuditEntry(
            id: try row.get("id"), at: entry.at, action: entry.action, target: entry.target, client: entry.client,
            outcome: entry.outcome)
    }

    func entries(beforeID: Int64?, limit: Int) async throws -> [AuditEntry] {
        try await database.run("""
            SELECT id, at, action, target, client, outcome FROM audit_log
            WHERE id < \(beforeID ?? Int64.max) ORDER BY id DESC LIMIT \(Int64(limit))
            """
        ).map { row in
            let (id, at, action, target, client, outcome) = try row.decode((Int64, Int64, String, String, String, String).self)
            return AuditEntry(id: id, at: Date(millis: at), action: action, target: target, client: client, outcome: outcome)
        }
    }
}
