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
