import GRDB
import GatewayStore

extension Row {
    /// The first row of `statement`, decoded while the statement still holds it.
    ///
    /// `Row.fetchOne` hands back a copy, and a copied row finds a column by name by lowercasing every column's
    /// name on every lookup: decoding a session row that way cost hundreds of string allocations, inside the
    /// single writer's transactions too. A row read in place looks names up in a table built once per statement.
    static func decodeFirst<T>(
        _ statement: Statement, arguments: StatementArguments, as decode: (Row) throws -> T
    ) throws -> T? {
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        guard let row = try rows.next() else { return nil }
        // The row reads the statement's current result, which the cursor resets when it goes away.
        return try withExtendedLifetime(rows) { try decode(row) }
    }

    /// Every row of `statement`, each decoded in place (see `decodeFirst`).
    static func decodeAll<T>(
        _ statement: Statement, arguments: StatementArguments, as decode: (Row) throws -> T
    ) throws -> [T] {
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        var decoded: [T] = []
        while let row = try rows.next() { decoded.append(try decode(row)) }
        return decoded
    }
}
