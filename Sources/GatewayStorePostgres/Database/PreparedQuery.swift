import Foundation
import PostgresNIO

/// A statement the hot path runs for every payment, named so each connection parses and plans it once rather than at
/// every run: for these, planning cost about as much as running (`pg_stat_statements.track_planning`, issue 17).
///
/// postgres-nio prepares by type, so each such statement has a type of its own (a `PreparedShape`). Its SQL is that of
/// the first query run under the shape: the statements built this way have a text that depends on their shape only
/// (values are always bound), and a query whose text differs anyway runs unprepared rather than with the wrong text.
protocol PreparedShape: SendableMetatype {
    static var text: PreparedText { get }
}

/// The SQL of one prepared shape, fixed by its first query.
///
/// `@unchecked Sendable`: `sql` is only read and written under `lock`, and written once.
final class PreparedText: @unchecked Sendable {
    private let lock = NSLock()
    private var sql: String?

    init() {}

    /// Whether `query` may run as this shape: it is the first, or has the first one's text.
    func adopt(_ query: String) -> Bool {
        lock.withLock {
            guard let sql else {
                sql = query
                return true
            }
            return sql == query
        }
    }

    var value: String { lock.withLock { sql ?? "" } }
}

/// One run of a `Shape` statement with its bindings; rows come back as they are.
struct PreparedQuery<Shape: PreparedShape>: PostgresPreparedStatement {
    typealias Row = PostgresRow

    static var name: String { "ocgate.\(Shape.self)" }
    static var sql: String { Shape.text.value }

    let bindings: PostgresBindings

    func makeBindings() -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}

extension PostgresDatabase {
    /// Runs `query` as the prepared statement `shape` in its own (implicit) transaction and returns every row.
    @discardableResult
    func run<Shape: PreparedShape>(_ query: DynamicQuery, as shape: Shape.Type) async throws -> [PostgresRow] {
        guard shape.text.adopt(query.sql) else { return try await run(query.query) }
        return try await leased { try await $0.run(query.binds, as: shape) }
    }
}

extension Transaction {
    /// Runs `binds` with the statement `shape` and returns every row.
    func run<Shape: PreparedShape>(_ binds: PostgresBindings, as shape: Shape.Type) async throws -> [PostgresRow] {
        try await watch.run(on: connection) { [connection, logger] in
            var rows: [PostgresRow] = []
            for try await row in try await connection.execute(PreparedQuery<Shape>(bindings: binds), logger: logger) {
                rows.append(row)
            }
            return rows
        }
    }
}
