import Foundation
import GRDB
import GatewayStore
import Metrics

/// Batches concurrent writes into shared transactions: while one transaction commits, new submissions
/// queue up, and the next transaction takes them all (up to `maxBatch`). No timer: under light load a
/// submission commits at once; under heavy load batches grow by themselves and one fsync serves many.
///
/// The batches run one after another on a serial dispatch queue of their own, blocking it while they wait for
/// the writer, not on Swift's cooperative pool: there the next batch waited behind every request task that was
/// ready to run, and the single writer, the one serial stage, sat idle meanwhile.
///
/// `@unchecked Sendable`: its only mutable state is the `BatchQueue`, which locks itself.
final class GroupCommitter<Item: Sendable, Output: Sendable>: @unchecked Sendable {
    /// Writes one batch's items in their shared transaction and returns an output for each, in order.
    typealias Body = @Sendable ([Item], Database) throws -> [Output]
    /// Runs one transaction and commits it.
    typealias Transaction = @Sendable (@escaping @Sendable (Database) throws -> [Output]) throws -> [Output]

    private struct Waiter {
        let item: Item
        let continuation: CheckedContinuation<Output, any Error>
    }

    private let transaction: Transaction
    private let maxBatch: Int
    private let body: Body
    private let batchSizes = Recorder(label: "ocgate_commit_batch_size")
    private let committing = DispatchQueue(label: "ocgate.group-commit")
    private let queue = BatchQueue<Waiter>()

    /// A committer whose batches are transactions of their own on `database`'s writer.
    convenience init(database: SQLiteDatabase, maxBatch: Int, body: @escaping Body) {
        self.init(transaction: { work in try database.write(work) }, maxBatch: maxBatch, body: body)
    }

    /// A batch body that writes each item on its own, in order.
    static func eachItem(_ write: @escaping @Sendable (Item, Database) throws -> Output) -> Body {
        { items, db in try items.map { try write($0, db) } }
    }

    init(transaction: @escaping Transaction, maxBatch: Int, body: @escaping Body) {
        self.transaction = transaction
        self.maxBatch = maxBatch
        self.body = body
    }

    /// Writes `item` in the next shared transaction; returns after that transaction committed.
    func submit(_ item: Item) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            switch queue.append(Waiter(item: item, continuation: continuation)) {
            case .refused: continuation.resume(throwing: StoreError.closed)
            case .queued: break
            case .startDrainer: committing.async { self.drain() }
            }
        }
    }

    /// Submissions waiting for the next transaction (tests wait on it instead of on time).
    var waiting: Int { queue.count }

    /// Stops accepting submissions and returns once everything submitted so far has committed.
    func close() async {
        queue.close()
        while queue.isDraining {
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    private func drain() {
        while true {
            let batch = queue.next(upTo: maxBatch)
            if batch.isEmpty { return }
            batchSizes.record(batch.count)
            let items = batch.map(\.item)
            let body = self.body
            do {
                let outputs = try transaction { db in
                    let outputs = try body(items, db)
                    // Checked before the commit: a caller without an output would wait for ever.
                    guard outputs.count == items.count else {
                        throw StoreError.inconsistent("a batch of \(items.count) writes gave \(outputs.count) outputs")
                    }
                    return outputs
                }
                for (waiter, output) in zip(batch, outputs) { waiter.continuation.resume(returning: output) }
            } catch {
                for waiter in batch { waiter.continuation.resume(throwing: error) }
            }
        }
    }
}
