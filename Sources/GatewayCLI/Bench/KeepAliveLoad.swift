import Foundation
import GatewayOutbound

#if canImport(Glibc)
import Glibc
#endif

/// The checkout bench's load generator: requests serialised once into HTTP/1.1 bytes, then written on keep-alive
/// loopback connections, one blocking thread per connection, each sending its next request as soon as the last
/// answer is read.
///
/// The generator shares the two measured cores with the server, so its own cost per request lowers what the bench
/// can show. The gateway's libcurl client costs ~60 µs a request here (a hand-over to the libcurl thread and back
/// through a Swift task, header callbacks, its bookkeeping); a `write`, a `read` or two and a status line cost
/// a fraction of that. It speaks only what the bench needs: no TLS, no redirects, responses with a
/// `Content-Length` (chunked ones fail the run).
enum KeepAliveLoad {
    /// A failure of the load itself, not an answer of the server: the run stops.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Sends every request once over `connections` connections to `127.0.0.1:port` and measures each exchange.
    static func run(_ requests: [OutboundRequest], port: Int, connections: Int) async throws -> LoadRun {
        let wire = try requests.map { try serialise($0, port: port) }
        let next = RequestCursor(count: wire.count)
        let results = Results()
        let clock = ContinuousClock()
        let start = clock.now
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let remaining = Countdown(connections) { done.resume() }
            for _ in 0..<connections {
                // A thread of its own per connection: blocking calls on the cooperative pool would starve the server.
                let thread = Thread {
                    defer { remaining.tick() }
                    do {
                        results.add(try exchange(wire, taking: next, port: port, clock: clock))
                    } catch {
                        results.fail(error)
                    }
                }
                thread.start()
            }
        }
        let elapsed = clock.now - start
        let (measured, failure) = results.collected()
        if let failure { throw failure }
        var statuses: [Int: Int] = [:]
        for (_, status) in measured { statuses[status, default: 0] += 1 }
        return LoadRun(
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            latencies: measured.map(\.milliseconds).sorted(), statuses: statuses)
    }

    /// One connection's share: requests taken from `next` until none is left, each answered before the next.
    private static func exchange(
        _ wire: [[UInt8]], taking next: RequestCursor, port: Int, clock: ContinuousClock
    ) throws -> [(milliseconds: Double, status: Int)] {
        let socket = try Connection(port: port)
        defer { socket.close() }
        var measured: [(milliseconds: Double, status: Int)] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while let index = next.take() {
            let sent = clock.now
            try socket.write(wire[index])
            let status = try socket.readResponse(into: &buffer)
            let elapsed = clock.now - sent
            measured.append((Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15, status))
        }
        return measured
    }

    /// The request as bytes on the wire, for a server on loopback at `port`.
    static func serialise(_ request: OutboundRequest, port: Int) throws -> [UInt8] {
        guard let url = URLComponents(string: request.url), url.scheme == "http" else {
            throw Failure(description: "the load generator speaks plain http only, not \(request.url)")
        }
        let target = (url.percentEncodedPath.isEmpty ? "/" : url.percentEncodedPath)
            + (url.percentEncodedQuery.map { "?" + $0 } ?? "")
        var head = "\(request.method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (name, value) in request.headers where name.lowercased() != "content-length" {
            head += "\(name): \(value)\r\n"
        }
        head += "Content-Length: \(request.body.count)\r\n\r\n"
        return Array(head.utf8) + request.body
    }
}

/// A blocking TCP connection to 127.0.0.1, used only by the thread that opened it.
private final class Connection {
    private let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw KeepAliveLoad.Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var noDelay: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            throw KeepAliveLoad.Failure(description: "connect to 127.0.0.1:\(port): \(reason)")
        }
    }

    func close() { Glibc.close(descriptor) }

    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
            guard written > 0 else { throw KeepAliveLoad.Failure(description: "write: \(String(cString: strerror(errno)))") }
            offset += written
        }
    }

    /// Reads one whole response into `buffer` and returns its status code.
    func readResponse(into buffer: inout [UInt8]) throws -> Int {
        var filled = 0
        var expected: Int?  // header length + Content-Length, once the header is complete
        var status = 0
        while expected.map({ filled < $0 }) ?? true {
            guard filled < buffer.count else { throw KeepAliveLoad.Failure(description: "a response larger than 64 KiB") }
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
            guard count > 0 else {
                throw KeepAliveLoad.Failure(description: count == 0 ? "the server closed the connection" : "read: \(String(cString: strerror(errno)))")
            }
            filled += count
            if expected == nil, let head = ResponseHead(buffer[..<filled]) {
                status = head.status
                expected = head.length + head.contentLength
            }
        }
        guard filled == expected else { throw KeepAliveLoad.Failure(description: "bytes past the response's Content-Length") }
        return status
    }
}

/// The status and framing of a response whose header has fully arrived.
struct ResponseHead {
    let status: Int
    /// Bytes up to and including the blank line.
    let length: Int
    let contentLength: Int

    /// nil while the header is incomplete.
    init?(_ bytes: ArraySlice<UInt8>) {
        let end: [UInt8] = [13, 10, 13, 10]
        guard let blank = bytes.indices.dropLast(3).first(where: { bytes[$0..<$0 + 4].elementsEqual(end) }) else { return nil }
        let lines = String(decoding: bytes[bytes.startIndex..<blank], as: UTF8.self).split(separator: "\r\n")
        guard let statusLine = lines.first, let code = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return nil }
        let lengthLine = lines.dropFirst().first { $0.lowercased().hasPrefix("content-length:") }
        status = code
        length = blank + 4 - bytes.startIndex
        contentLength = lengthLine.flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
    }
}

/// The measurements of every connection and the first failure, gathered across threads.
///
/// `@unchecked Sendable`: the fields are only touched under `lock`.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var measured: [(milliseconds: Double, status: Int)] = []
    private var failure: (any Error)?

    func add(_ batch: [(milliseconds: Double, status: Int)]) { lock.withLock { measured += batch } }
    func fail(_ error: any Error) { lock.withLock { if failure == nil { failure = error } } }
    func collected() -> ([(milliseconds: Double, status: Int)], (any Error)?) { lock.withLock { (measured, failure) } }
}

/// Calls `done` once `tick` was called `count` times.
///
/// `@unchecked Sendable`: `left` is only touched under `lock`.
private final class Countdown: @unchecked Sendable {
    private let lock = NSLock()
    private var left: Int
    private let done: @Sendable () -> Void

    init(_ count: Int, done: @escaping @Sendable () -> Void) {
        left = count
        self.done = done
    }

    func tick() {
        if lock.withLock({ left -= 1; return left == 0 }) { done() }
    }
}
