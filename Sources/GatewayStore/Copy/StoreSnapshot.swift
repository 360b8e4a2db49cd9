/// A store's every table, read for a copy to another backend from one consistent snapshot: `ocgate store copy`'s
/// source. Open it on a stopped (or drained) store; writes committed after it was taken are not in it.
public protocol StoreSnapshot: Sendable {
    /// Where the data lives, for messages (never a password).
    var location: String { get }
    /// Every data table of the store, in the order a copy writes them (a table after those its rows refer to).
    var tables: [String] { get }
    /// The rows of `table` in batches of at most `size`, in its key's order.
    func batches(of table: String, size: Int) -> AsyncThrowingStream<TableRows, any Error>
    /// Row counts and ledger totals of the snapshot, counted by the database itself.
    func census() async throws -> StoreCensus
}

/// An empty store that a copy fills: `ocgate store copy`'s target.
public protocol StoreCopyTarget: Sendable {
    /// Where the data lives, for messages (never a password).
    var location: String { get }
    /// Migrates the target's schema, then copies every table of `snapshot` into it, ids and all, in one transaction:
    /// a copy that fails leaves the target as empty as it found it. Ids a backend generates itself continue past the
    /// copied ones.
    /// - Throws: `StoreCopyError.targetNotEmpty` if any data table of the target holds a row;
    ///   `StoreCopyError.tablesDiffer` if the two schemas do not have the same data tables.
    func load(from snapshot: any StoreSnapshot, batchSize: Int) async throws
    /// Row counts and ledger totals of the target, counted by the database itself.
    func census() async throws -> StoreCensus
}

/// Why a copy between backends refused to start or stopped.
public enum StoreCopyError: Error, Equatable, CustomStringConvertible {
    /// The target already holds data: these tables have rows.
    case targetNotEmpty(location: String, tables: [String])
    /// A table exists on one side only, so the copy would leave it behind or could not fill it.
    case tablesDiffer(onlyInSource: [String], onlyInTarget: [String])

    public var description: String {
        switch self {
        case let .targetNotEmpty(location, tables):
            "\(location) is not empty (rows in \(tables.joined(separator: ", "))); store copy only fills an empty database"
        case let .tablesDiffer(source, target):
            "the schemas do not match: only in the source: \(source.isEmpty ? "none" : source.joined(separator: ", ")); only in the target: \(target.isEmpty ? "none" : target.joined(separator: ", "))"
        }
    }
}
