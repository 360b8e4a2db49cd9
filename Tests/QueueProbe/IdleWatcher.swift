import GatewayStore
import ServiceLifecycle

/// Ends the probe's service group once no work is left (nothing running, nothing due).
struct IdleWatcher: Service {
    let queue: any JobQueue

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            if try await queue.pendingWork(excludingKinds: []) == 0 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
