import Foundation
import GatewayStore
import PostgresNIO

/// Shares transactions between concurrent callers: while one batch commits, new submissions collect, and the next
/// batch takes them all (up to `maxBatch`). No timer: alone, a submission commits at once; under load, batches grow
/// by themselves and one round trip per statement serves many callers (postgres-nio does not pipeline, so without
/// this each checkout costs a transaction of round trips).
///
/// A batch that fails with an error from the server (a constraint, a deadlock with another host, a bad row) is
/// retried one item per transaction, so only the caller whose item fails gets the error; when the connection itself
/// failed (no server answer), every caller of the batch gets that error at once, as each would have alone.
///
/// `@unchecked Sendable`: `transactions` is only touched under `lock`; the `BatchQueue` locks itself.
final class BatchCommitter<Item: Sendable, Output: Sendable>: @unchecked Sendable {
    /// Commits `items` in one transaction; returns one output per item, in order.
    typealias Commit = @Sendable ([Item]) async throws -> [Output]

    private struct Waiter {
        let item: Item
        let continuation: CheckedContinuation<Output, any Error>
    }

    private let maxBatch: Int
    private let commit: Commit
    private let queue = BatchQueue<Waiter>()
    private let lock = NSLock()
    private var transactions = 0

    init(maxBatch: Int, commit: @escaping Commit) {
        self.maxBatch = max(1, maxBatch)
        self.commit = commit
    }

    /// Transactions run so far, retries included (tests check that concurrent callers shared them).
    var transactionCount: Int { lock.withLock { transactions } }

    /// Commits `item` in the next shared transaction; returns after that transaction committed.
    func submit(_ item: Item) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            // Never closed: the pool's shutdown ends the batches (their queries throw).
            if queue.append(Waiter(item: item, continuation: continuation)) == .startDrainer {
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while true {
            let batch = queue.next(upTo: maxBatch)
            if batch.isEmpty { return }
            do {
                let outputs = try await counted(batch.map(\.item))
                for (waiter, output) in zip(batch, outputs) { waiter.continuation.resume(returning: output) }
            } catch let error where batch.count > 1 && Self.isServerError(error) {
                for waiter in batch {
                    do {
                        waiter.continuation.resume(returning: try await counted([waiter.item])[0])
                    } catch {
                        waiter.continuation.resume(throwing: error)
                    }
                }
            } catch {
                for waiter in batch { waiter.continuation.resume(throwing: error) }
            }
        }
    }

    private func counted(_ items: [Item]) async throws -> [Output] {
        lock.withLock { transactions += 1 }
        let outputs = try await commit(items)
        guard outputs.count == items.count else {
            throw StoreError.inconsistent("a batch of \(items.count) answered \(outputs.count) times")
        }
        return outputs
    }

    /// The server answered with an error: something in the batch, not the connection, failed. Errors of the stores'
    /// own (`StoreError`) are about data too.
    private static func isServerError(_ error: any Error) -> Bool {
        if let error = error as? PSQLError { return error.serverInfo != nil }
        return error is StoreError
    }
}
