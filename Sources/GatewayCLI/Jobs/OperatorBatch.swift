import Opencharge

/// Applies an operator request to several ids: each id is tried, the done ones are reported, and any
/// refusal (an unknown id, a running job) makes the command fail with a line naming each refused id.
enum OperatorBatch {
    static func apply(ids: [Int64], json: Bool, verb: String, _ request: (Int64) async throws -> Void) async throws {
        var done: [Int64] = []
        var refusals: [String] = []
        for id in ids {
            do {
                try await request(id)
                done.append(id)
            } catch {
                refusals.append("\(error)")
            }
        }
        if json {
            JobPresentation.print([verb: .array(done.map { .integer($0) })])
        } else if !done.isEmpty {
            print("\(verb) \(done.map(String.init).joined(separator: " "))")
        }
        guard refusals.isEmpty else { throw CommandFailure(refusals.joined(separator: "; ")) }
    }
}
