import Foundation

/// The waiting room of a group commit: submissions collect here while a batch commits, and one drainer at a time
/// takes them out in batches. `append` tells the submitter when it must start the drainer; `next` tells the drainer
/// when to stop (an empty batch), atomically with the submitters, so a submission is never left without one.
///
/// `@unchecked Sendable`: the mutable state is only touched under `lock`.
package final class BatchQueue<Element>: @unchecked Sendable {
    package enum Admission { case refused, queued, startDrainer }

    private let lock = NSLock()
    private var pending: [Element] = []
    private var draining = false
    private var closed = false

    package init() {}

    /// Queues `element` unless the queue is closed; `.startDrainer` when no drainer runs (the caller starts one).
    package func append(_ element: Element) -> Admission {
        lock.withLock {
            if closed { return .refused }
            pending.append(element)
            if draining { return .queued }
            draining = true
            return .startDrainer
        }
    }

    /// The next batch, oldest first, at most `limit` long; empty when nothing waits, and then the drainer must stop.
    package func next(upTo limit: Int) -> [Element] {
        lock.withLock {
            let taken = Array(pending.prefix(limit))
            pending.removeFirst(taken.count)
            if taken.isEmpty { draining = false }
            return taken
        }
    }

    /// Refuses every later `append`.
    package func close() { lock.withLock { closed = true } }

    /// A drainer runs.
    package var isDraining: Bool { lock.withLock { draining } }

    /// Elements waiting for the next batch.
    package var count: Int { lock.withLock { pending.count } }
}
