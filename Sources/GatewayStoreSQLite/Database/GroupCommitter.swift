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
/// `@unchecked Sendable`: the mutable state is only touched under `lock`.
final class GroupCommitter<Item: Sendable, Output: Sendable>: @unchecked Sendable {
    typealias Body = @Sendable (Item, Database) throws -> Output
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
    private let lock = NSLock()
    private let committing = DispatchQueue(label: "ocgate.group-commit")
    private var pending: [Waiter] = []
    private var draining = false
    private var closed = false

    /// A committer whose batches are transactions of their own on `database`'s writer.
    convenience init(database: SQLiteDatabase, maxBatch: Int, body: @escaping Body) {
        self.init(transaction: { work in try database.write(work) }, maxBatch: maxBatch, body: body)
    }

    init(transaction: @escaping Transaction, maxBatch: Int, body: @escaping Body) {
        self.transaction = transaction
        self.maxBatch = maxBatch
        self.body = body
    }

    /// Writes `item` in the next shared transaction; returns after that transaction committed.
    func submit(_ item: Item) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            let action: SubmitAction = lock.withLock {
                if closed { return .refuse }
                pending.append(Waiter(item: item, continuation: continuation))
                if draining { return .wait }
                draining = true
                return .startDrain
            }
            switch action {
            case .refuse: continuation.resume(throwing: StoreError.closed)
            case .wait: break
            case .startDrain: committing.async { self.drain() }
            }
        }
    }

    private enum SubmitAction { case refuse, wait, startDrain }

    /// Submissions waiting for the next transaction (tests wait on it instead of on time).
    var waiting: Int { lock.withLock { pending.count } }

    /// Stops accepting submissions and returns once everything submitted so far has committed.
    func close() async {
        lock.withLock { closed = true }
        while lock.withLock({ draining }) {
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    private func drain() {
        while true {
            let batch: [Waiter] = lock.withLock {
                let taken = Array(pending.prefix(maxBatch))
                pending.removeFirst(taken.count)
                if taken.isEmpty { draining = false }
                return taken
            }
            if batch.isEmpty { return }
            batchSizes.record(batch.count)
            let items = batch.map(\.item)
            let body = self.body
            do {
                let outputs = try transaction { db in try items.map { try body($0, db) } }
                for (waiter, output) in zip(batch, outputs) { waiter.continuation.resume(returning: output) }
            } catch {
                for waiter in batch { waiter.continuation.resume(throwing: error) }
            }
        }
    }
}
