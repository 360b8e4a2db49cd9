/// What operators and probes ask of the storage itself rather than of one store.
public protocol StoreMaintenance: Sendable {
    /// Where the data lives, for logs and messages (a file path; a database URL without its password).
    var location: String { get }

    /// Succeeds only when this process can write now: readiness probes use it, so a read-only disk, a lost
    /// database or a wedged writer shows as "not ready".
    func checkWritable() async throws

    /// Copies the live data to `destination` while readers and writers go on, or throws
    /// `StoreError.unsupported` where the backend has its own tools for that.
    func backup(to destination: String) async throws

    /// Brings the query planner's statistics up to date with the tables as they are now, after a bulk load (a
    /// benchmark's seed) that the database's own upkeep has not looked at yet. A backend whose planner keeps no
    /// statistics does nothing.
    func refreshStatistics() async throws
}
