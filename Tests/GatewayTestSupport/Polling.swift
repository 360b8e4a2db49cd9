/// Polls `condition` every 20 ms until it holds or `timeout` passes (a bound on waiting, not a performance claim).
public func eventually(
    within timeout: Duration = .seconds(120), _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// Like `eventually`, moving `time` forward by `step` before each look: for conditions that wait on timers of the
/// test clock (retries coming due, leases lapsing, handler timeouts).
public func eventually(
    advancing time: ManualTime, by step: Duration, within timeout: Duration = .seconds(120),
    _ condition: () async throws -> Bool
) async throws -> Bool {
    try await eventually(within: timeout) {
        time.advance(by: step)
        return try await condition()
    }
}
