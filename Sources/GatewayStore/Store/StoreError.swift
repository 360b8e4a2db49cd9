/// Why the store could not be opened or used.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// The database was migrated by a newer ocgate: it holds migrations this binary does not know.
    case schemaTooNew(path: String, unknownMigrations: [String])
    /// SQLite refused a setting the store relies on.
    case settingRefused(setting: String, got: String)
    /// The store is shutting down and takes no more writes.
    case closed
    /// The database contradicts its own constraints (a sign of corruption or manual edits).
    case inconsistent(String)

    public var description: String {
        switch self {
        case let .schemaTooNew(path, unknown):
            "database \(path) has a newer schema than this ocgate knows (unknown migrations: \(unknown.joined(separator: ", "))); upgrade ocgate"
        case let .settingRefused(setting, got):
            "SQLite refused \(setting) (it reads \(got))"
        case .closed:
            "the store is shutting down"
        case let .inconsistent(problem):
            "the database is inconsistent: \(problem)"
        }
    }
}
