import Foundation
@testable import GatewayCLI
import GatewayTestSupport
import Testing

/// The log writer gathers lines into few writes without losing, splitting or reordering any, and an error line is
/// out before the call that logs it returns.
struct LogSinkTests {
    @Test func anUrgentLineIsWrittenAtOnceWithEveryLineBeforeIt() throws {
        let pipe = Pipe()
        let sink = LogSink(descriptor: pipe.fileHandleForWriting.fileDescriptor)
        sink.write("first\n", urgent: false)
        sink.write("alarm\n", urgent: true)
        // Both are in the pipe the moment `write` returns (the background writer waits 2 ms before it writes).
        var waiting: Int32 = 0
        #expect(ioctl(pipe.fileHandleForReading.fileDescriptor, UInt(FIONREAD), &waiting) == 0)
        #expect(waiting == 12)
        #expect(String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self) == "first\nalarm\n")
    }

    @Test func linesFromManyThreadsArriveWholeAndInEachThreadsOrder() throws {
        let pipe = Pipe()
        let sink = LogSink(descriptor: pipe.fileHandleForWriting.fileDescriptor)
        let (writers, lines) = (8, 400)
        DispatchQueue.concurrentPerform(iterations: writers) { writer in
            for line in 0..<lines { sink.write("writer=\(writer) line=\(line)\n", urgent: false) }
        }
        sink.flush()
        var text = ""
        while text.filter({ $0 == "\n" }).count < writers * lines {
            text += String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self)
        }
        var next = [Int](repeating: 0, count: writers)
        for row in text.split(separator: "\n") {
            let fields = row.split(separator: " ").map { $0.split(separator: "=") }
            let (writer, line) = (Int(fields[0][1])!, Int(fields[1][1])!)
            #expect(line == next[writer], "writer \(writer): line \(line) after \(next[writer] - 1)")
            next[writer] = line + 1
        }
        #expect(next == [Int](repeating: lines, count: writers))
    }
}
