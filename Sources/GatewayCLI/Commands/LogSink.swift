import Foundation

/// Standard error for log lines, written by one background thread that takes every line waiting in one `write`, so
/// a busy server's access log costs an append per line instead of a locked, flushed write of its own (measured:
/// the per-line writes took about a fifth of `serve`'s throughput; docs/benchmarks.md). Lines at `error` and above
/// are written before the call returns, with everything logged before them, and whatever is waiting is written
/// when the process exits normally; a process killed outright loses at most the last few milliseconds of lines.
///
/// Safe as `@unchecked Sendable`: `pending` and `started` are only touched under `condition`; `writing` serializes
/// taking and writing, so lines reach the descriptor in the order they were logged.
final class LogSink: @unchecked Sendable {
    static let standardError: LogSink = {
        let sink = LogSink(descriptor: STDERR_FILENO)
        atexit { LogSink.standardError.flush() }
        return sink
    }()

    /// How long the writer lets lines gather after the first one arrives.
    private static let gathering: useconds_t = 2_000

    private let descriptor: Int32
    private let condition = NSCondition()
    private let writing = NSLock()
    private var pending: [UInt8] = []
    private var started = false

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    func write(_ line: String, urgent: Bool) {
        condition.lock()
        pending.append(contentsOf: line.utf8)
        if !started {
            started = true
            Thread { [self] in drain() }.start()
        }
        condition.signal()
        condition.unlock()
        if urgent { flush() }
    }

    /// Writes whatever is waiting, before returning.
    func flush() {
        writing.lock()
        defer { writing.unlock() }
        condition.lock()
        let bytes = pending
        pending.removeAll(keepingCapacity: true)
        condition.unlock()
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }  // stderr gone: nothing better to do with a log line
                offset += written
            }
        }
    }

    private func drain() {
        while true {
            condition.lock()
            while pending.isEmpty { condition.wait() }
            condition.unlock()
            usleep(Self.gathering)
            flush()
        }
    }
}
