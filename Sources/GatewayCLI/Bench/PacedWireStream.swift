import Foundation

/// Requests read from a stream of `WireRequests` frames (`bench serve`'s pipe) and handed out on an open schedule:
/// request `i` is due at `start + i / rate`, however the earlier ones fare, where `start` is when the first one
/// arrived. A reader thread keeps at most `ahead` requests read and waiting, so a long run never holds more than a
/// few seconds of requests in memory, and the writer, blocked on the full pipe, signs no further ahead than that.
///
/// `@unchecked Sendable`: every field but the immutable ones is only touched under `condition`.
final class PacedWireStream: LoadSource, @unchecked Sendable {
    private let condition = NSCondition()
    private var waiting: [[UInt8]] = []
    private var head = 0
    private var ended = false
    private var taken = 0
    private var start: ContinuousClock.Instant?
    private let interval: Duration
    private let ahead: Int
    private var readFailure: String?

    /// Starts reading `input` at once, on a thread of its own.
    init(_ input: FileHandle, rate: Int, ahead: Int) {
        interval = .nanoseconds(1_000_000_000 / Int64(rate))
        self.ahead = max(1, ahead)
        Thread { [self] in read(input) }.start()
    }

    /// A frame that could not be read (a length or request cut short): the run fails with it.
    var failure: String? { condition.withLock { readFailure } }

    /// How many requests were handed out so far.
    var handedOut: Int { condition.withLock { taken } }

    func take() -> (bytes: [UInt8], due: ContinuousClock.Instant?)? {
        condition.withLock {
            while head == waiting.count && !ended { condition.wait() }
            guard head < waiting.count else { return nil }
            let bytes = waiting[head]
            head += 1
            if head == waiting.count || head >= 4096 {  // drop what was handed out, in batches
                waiting.removeFirst(head)
                head = 0
            }
            let start = self.start ?? ContinuousClock.now
            self.start = start
            defer { taken += 1 }
            condition.broadcast()
            return (bytes, start + interval * taken)
        }
    }

    func stop() {
        condition.withLock {
            ended = true
            waiting.removeAll()
            head = 0
            condition.broadcast()
        }
    }

    private func read(_ input: FileHandle) {
        var reader = WireRequests.Reader()
        while true {
            let data = (try? input.read(upToCount: 1 << 16)) ?? Data()
            let frames: [[UInt8]]
            do { frames = try data.isEmpty ? reader.finish() : reader.feed(data) } catch {
                condition.withLock { readFailure = "\(error)" }
                stop()
                return
            }
            condition.withLock {
                waiting += frames
                condition.broadcast()
                while waiting.count - head >= ahead && !ended { condition.wait() }
            }
            if data.isEmpty || condition.withLock({ ended }) { break }
        }
        condition.withLock {
            ended = true
            condition.broadcast()
        }
    }
}
