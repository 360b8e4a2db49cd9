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
