/// Why the store could not be opened or used.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// The database was migrated by a newer ocgate: it holds migrations this binary does not know.
    case schemaTooNew(path: String, unknownMigrations: [String])
    /// The database refused a setting the store relies on.
    case settingRefused(setting: String, got: String)
    /// The backend does not do this; `hint` says what to use instead.
    case unsupported(String)
    /// The store is shutting down and takes no more writes.
    case closed
    /// The database contradicts its own constraints (a sign of corruption or manual edits).
    case inconsistent(String)

    public var description: String {
        switch self {
        case let .schemaTooNew(path, unknown):
            "database \(path) has a newer schema than this ocgate knows (unknown migrations: \(unknown.joined(separator: ", "))); upgrade ocgate"
        case let .settingRefused(setting, got):
            "the database refused \(setting) (it reads \(got))"
        case let .unsupported(hint):
            hint
        case .closed:
            "the store is shutting down"
        case let .inconsistent(problem):
            "the database is inconsistent: \(problem)"
        }
    }
}
