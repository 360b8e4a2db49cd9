import GatewayStore

/// How many callers each race runs: enough to meet in the backend, few enough to keep the suite fast.
let racers = 24

/// Runs `body` for `0..<count` concurrently and returns the results in caller order.
func race<T: Sendable>(
    _ count: Int = racers, _ body: @escaping @Sendable (Int) async throws -> T
) async throws -> [T] {
    try await withThrowingTaskGroup(of: (Int, T).self) { group in
        for index in 0..<count {
            group.addTask { (index, try await body(index)) }
        }
        var results: [T?] = Array(repeating: nil, count: count)
        for try await (index, result) in group {
            results[index] = result
        }
        return results.map { $0! }
    }
}

/// Runs `body` for each of `0..<count` on eight concurrent lanes: seeds thousands of rows in the time of a few
/// hundred round trips.
func inLanes(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for lane in 0..<8 {
            group.addTask { for n in stride(from: lane, to: count, by: 8) { try await body(n) } }
        }
        try await group.waitForAll()
    }
}

/// Runs a maintenance sweep and returns its result with the rows each of its committed batches changed
/// (`MaintenanceBatches.log`): a sweep that went back to one statement would change the same rows in total.
func batched<T>(_ sweep: () async throws -> T) async throws -> (T, batches: [Int]) {
    let log = BatchLog()
    let result = try await MaintenanceBatches.$log.withValue(log) { try await sweep() }
    return (result, log.batches)
}
