import Logging
import ServiceLifecycle

/// Runs `services` in a ServiceGroup while `body` runs, then shuts the group down gracefully.
public func withServices(
    _ services: [any Service], _ body: () async throws -> Void
) async throws {
    let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    let group = ServiceGroup(services: services, logger: quiet)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            try await body()
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}
