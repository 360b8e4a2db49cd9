/// One column's value as a copy between backends carries it: the storage classes both databases share.
public enum StoreValue: Sendable, Hashable {
    case integer(Int64)
    case text(String)
    case blob([UInt8])
    case null
}

/// A batch of one table's rows, in the columns `columns` names, as a copy moves them from one backend to another.
public struct TableRows: Sendable {
    public var table: String
    public var columns: [String]
    /// Each row holds one value per column, in `columns`' order.
    public var rows: [[StoreValue]]

    public init(table: String, columns: [String], rows: [[StoreValue]]) {
        self.table = table
        self.columns = columns
        self.rows = rows
    }
}
