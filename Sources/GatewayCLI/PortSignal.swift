import Foundation
import ServiceLifecycle

/// Hands the port a server bound from its start-up callback to whoever waits to call it, or the reason it never
/// will: a server that fails to start (its port taken, say) must fail the waiter, not leave it waiting for ever.
///
/// `@unchecked Sendable`: the outcome and the waiting continuation are only touched under `lock`.
final class PortSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var outcome: Result<Int, any Error>?
    private var waiter: CheckedContinuation<Int, any Error>?

    /// The server listens on `port`.
    func send(_ port: Int) { settle(.success(port)) }

    /// The server ended, or failed, without listening; a port already sent stands.
    func fail(_ error: any Error) { settle(.failure(error)) }

    /// Runs the service group of the server that sends this signal its port, failing any waiter left when the
    /// group ends or throws without the server listening.
    func running(_ group: ServiceGroup) -> Task<Void, any Error> {
        Task {
            do {
                try await group.run()
            } catch {
                fail(error)
                throw error
            }
            fail(CommandFailure("the server stopped before it listened"))
        }
    }

    /// The port, once the server listens; throws why it never will.
    func value() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<Int, any Error>? = lock.withLock {
                if let outcome { return outcome }
                waiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    private func settle(_ result: Result<Int, any Error>) {
        let waiting: CheckedContinuation<Int, any Error>? = lock.withLock {
            guard outcome == nil else { return nil }
            outcome = result
            defer { waiter = nil }
            return waiter
        }
        waiting?.resume(with: result)
    }
}
