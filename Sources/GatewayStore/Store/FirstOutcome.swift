import Foundation

/// The first of several outcomes, handed to the one caller that waits for it.
///
/// `@unchecked Sendable`: `state` is only touched under `lock`.
package final class FirstOutcome<T: Sendable>: @unchecked Sendable {
    private enum State {
        case open
        case waiting(CheckedContinuation<T, any Error>)
        case settledEarly(Result<T, any Error>)
        case done
    }

    private let lock = NSLock()
    private var state = State.open

    package init() {}

    /// Calls `start`, then returns the first outcome settled.
    package func value(start: () -> Void) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let early: Result<T, any Error>? = lock.withLock {
                if case .settledEarly(let result) = state {
                    state = .done
                    return result
                }
                state = .waiting(continuation)
                return nil
            }
            if let early {
                continuation.resume(with: early)
            } else {
                start()
            }
        }
    }

    /// Offers an outcome: the first one is the value, any later one is ignored.
    package func settle(_ result: Result<T, any Error>) {
        let waiting: CheckedContinuation<T, any Error>? = lock.withLock {
            switch state {
            case .open:
                state = .settledEarly(result)
                return nil
            case .waiting(let continuation):
                state = .done
                return continuation
            case .settledEarly, .done:
                return nil
            }
        }
        waiting?.resume(with: result)
    }
}
