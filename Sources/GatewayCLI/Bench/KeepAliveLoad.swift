import Foundation
import GatewayOutbound
import GatewayStore

#if canImport(Glibc)
import Glibc

private let systemSend = Glibc.send
private let systemReceive = Glibc.recv
private let systemClose = Glibc.close
private let streamSocket = Int32(SOCK_STREAM.rawValue)
private let sendFlags = Int32(MSG_NOSIGNAL)
#elseif canImport(Darwin)
import Darwin

private let systemSend = Darwin.send
private let systemReceive = Darwin.recv
private let systemClose = Darwin.close
private let streamSocket = SOCK_STREAM
private let sendFlags: Int32 = 0  // SO_NOSIGPIPE is set on the socket instead
#endif

/// The checkout bench's load generator: requests serialised once into HTTP/1.1 bytes, then written on keep-alive
/// loopback connections, one blocking thread per connection, each sending its next request as soon as the last
/// answer is read.
///
/// The generator shares the two measured cores with the server, so its own cost per request lowers what the bench
/// can show. The gateway's libcurl client costs ~60 µs a request here (a hand-over to the libcurl thread and back
/// through a Swift task, header callbacks, its bookkeeping); a `send`, a `recv` or two and a status line cost
/// a fraction of that. It speaks only what the bench needs: no TLS, no redirects, and every response framed by
/// `Content-Length`; anything else, a closed connection or a silence longer than the requests' timeout fails the
/// run.
enum KeepAliveLoad {
    /// A failure of the load itself, not an answer of the server: no connection takes another request.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Sends every request once over `connections` connections to `127.0.0.1:port` and measures each exchange.
    static func run(_ requests: [OutboundRequest], port: Int, connections: Int) async throws -> LoadRun {
        try await run(
            wire: requests.map { try serialise($0, port: port) }, port: port, connections: connections,
            timeout: requests.map(\.timeout).max() ?? .seconds(30))
    }

    /// Sends every request, already serialised for `port`, once over `connections` connections to `127.0.0.1:port`
    /// and measures each exchange; an answer slower than `timeout` fails the run.
    static func run(wire: [[UInt8]], port: Int, connections: Int, timeout: Duration) async throws -> LoadRun {
        try await run(from: WireList(wire), port: port, connections: connections, timeout: timeout)
    }

    /// Sends every request `source` hands out over `connections` connections to `127.0.0.1:port`, each when it is
    /// due, and measures each exchange from then; an answer slower than `timeout` fails the run.
    static func run(from source: some LoadSource, port: Int, connections: Int, timeout: Duration) async throws -> LoadRun {
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
                        let connection = try LoadConnection(port: port, timeout: timeout)
                        defer { connection.disconnect() }
                        results.add(try exchange(taking: source, on: connection, clock: clock))
                    } catch {
                        source.stop()
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

    /// One connection's share: requests taken from `source` until none is left, each answered before the next.
    /// A request with a due time waits for it, and its latency counts from then: on an open schedule, a request
    /// sent late because the connections were all busy counts its lateness.
    private static func exchange(
        taking source: some LoadSource, on connection: LoadConnection, clock: ContinuousClock
    ) throws -> [(milliseconds: Double, status: Int)] {
        var measured: [(milliseconds: Double, status: Int)] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while let request = source.take() {
            if let due = request.due, due > clock.now { Thread.sleep(forTimeInterval: (due - clock.now).seconds) }
            let sent = request.due ?? clock.now
            try connection.send(request.bytes)
            let status = try connection.receiveResponse(into: &buffer)
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

/// Where the load's connections take their requests from, each request once, from any connection's thread.
protocol LoadSource: Sendable {
    /// The next request and when it is due (nil: at once), or nil when there is none left; may block.
    func take() -> (bytes: [UInt8], due: ContinuousClock.Instant?)?
    /// Hands out nothing more: a failed connection stops the others.
    func stop()
}

/// Requests already in memory, each sent as soon as a connection is free.
struct WireList: LoadSource {
    private let wire: [[UInt8]]
    private let next: RequestCursor

    init(_ wire: [[UInt8]]) {
        self.wire = wire
        next = RequestCursor(count: wire.count)
    }

    func take() -> (bytes: [UInt8], due: ContinuousClock.Instant?)? { next.take().map { (wire[$0], nil) } }
    func stop() { next.stop() }
}

/// A blocking stream socket, used only by the thread that opened it.
final class LoadConnection {
    private let descriptor: Int32

    /// Connects to 127.0.0.1:`port`; a send or receive that waits longer than `timeout` fails.
    convenience init(port: Int, timeout: Duration) throws {
        let descriptor = socket(AF_INET, streamSocket, 0)
        guard descriptor >= 0 else { throw KeepAliveLoad.Failure(description: "socket: \(Self.lastError)") }
        self.init(descriptor: descriptor)
        var noDelay: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        #if canImport(Darwin)
        var noSignal: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_NOSIGPIPE, &noSignal, socklen_t(MemoryLayout<Int32>.size))
        #endif
        var limit = timeval(tv_sec: max(1, Int(timeout.components.seconds)), tv_usec: 0)  // 0 would mean no limit
        for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
            setsockopt(descriptor, SOL_SOCKET, option, &limit, socklen_t(MemoryLayout<timeval>.size))
        }
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
            let reason = Self.lastError
            disconnect()
            throw KeepAliveLoad.Failure(description: "connect to 127.0.0.1:\(port): \(reason)")
        }
    }

    /// Takes over an open socket (the tests use one end of a socket pair).
    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    func disconnect() { _ = systemClose(descriptor) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { systemSend(descriptor, $0.baseAddress! + offset, bytes.count - offset, sendFlags) }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { throw KeepAliveLoad.Failure(description: "send: \(Self.lastError)") }
            offset += sent
        }
    }

    /// Reads one whole response into `buffer` and returns its status code.
    func receiveResponse(into buffer: inout [UInt8]) throws -> Int {
        var filled = 0
        var head: ResponseHead?
        while head.map({ filled < $0.length + $0.contentLength }) ?? true {
            guard filled < buffer.count else { throw KeepAliveLoad.Failure(description: "a response larger than 64 KiB") }
            let count = buffer.withUnsafeMutableBytes { systemReceive(descriptor, $0.baseAddress! + filled, $0.count - filled, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let reason = count == 0 ? "the server closed the connection"
                    : errno == EAGAIN || errno == EWOULDBLOCK ? "no answer within the requests' timeout" : "recv: \(Self.lastError)"
                throw KeepAliveLoad.Failure(description: reason)
            }
            filled += count
            if head == nil { head = try ResponseHead(buffer[..<filled]) }
        }
        guard let head, filled == head.length + head.contentLength else {
            throw KeepAliveLoad.Failure(description: "bytes past the response's Content-Length")
        }
        return head.status
    }

    private static var lastError: String { String(cString: strerror(errno)) }
}

/// The status and framing of a response whose header has fully arrived.
///
/// Read from the bytes without building strings: the generator reads one head per request on the cores it
/// measures, and string splitting and a dictionary of fields cost it more than its `send` and `recv`.
struct ResponseHead: Equatable {
    let status: Int
    /// Bytes up to and including the blank line.
    let length: Int
    let contentLength: Int

    /// nil while the header is incomplete; throws for a header the generator cannot frame.
    init?(_ bytes: ArraySlice<UInt8>) throws {
        guard let blank = Self.blankLine(in: bytes) else { return nil }
        var lines = Self.lines(of: bytes[bytes.startIndex..<blank])
        let statusLine = lines.next() ?? bytes[bytes.startIndex..<bytes.startIndex]
        guard let code = Self.statusCode(statusLine) else {
            throw KeepAliveLoad.Failure(description: "not an HTTP/1 status line: \(String(decoding: statusLine, as: UTF8.self))")
        }
        var contentLength: ArraySlice<UInt8>?
        while let line = lines.next() {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let value = line[(colon + 1)...].trimming { $0 == 0x20 || $0 == 0x09 }
            if Self.name(line[..<colon], is: "transfer-encoding") {
                let coding = String(decoding: value, as: UTF8.self)
                throw KeepAliveLoad.Failure(description: "a response in transfer-encoding \(coding), not framed by Content-Length")
            }
            if Self.name(line[..<colon], is: "content-length") { contentLength = value }
        }
        let bodyless = (100..<200).contains(code) || code == 204 || code == 304
        switch contentLength.map(Self.decimal) {
        case .some(.some(let length)): self.contentLength = length
        case nil where bodyless: self.contentLength = 0
        default: throw KeepAliveLoad.Failure(description: "a response without a valid Content-Length (status \(code))")
        }
        status = code
        length = blank + 4 - bytes.startIndex
    }

    /// Where the `CRLF CRLF` that ends the header starts.
    private static func blankLine(in bytes: ArraySlice<UInt8>) -> Int? {
        var index = bytes.startIndex
        while index + 3 < bytes.endIndex {
            if bytes[index] == 13, bytes[index + 1] == 10, bytes[index + 2] == 13, bytes[index + 3] == 10 { return index }
            index += 1
        }
        return nil
    }

    /// The header's lines, without their `CRLF`.
    private static func lines(of head: ArraySlice<UInt8>) -> some IteratorProtocol<ArraySlice<UInt8>> {
        head.split(separator: 10, omittingEmptySubsequences: false)
            .lazy.map { $0.last == 13 ? $0.dropLast() : $0 }.makeIterator()
    }

    /// `HTTP/1.x` and a numeric code, with any number of spaces between the fields.
    private static func statusCode(_ line: ArraySlice<UInt8>) -> Int? {
        guard line.starts(with: "HTTP/1.".utf8) else { return nil }
        let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 2)
        return fields.count >= 2 ? decimal(fields[1]) : nil
    }

    private static func name(_ bytes: ArraySlice<UInt8>, is lowercase: StaticString) -> Bool {
        let expected = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        guard bytes.count == expected.count else { return false }
        return zip(bytes, expected).allSatisfy { byte, wanted in
            let folded: UInt8 = (65...90).contains(byte) ? byte | 0x20 : byte
            return folded == wanted
        }
    }

    /// A non-negative decimal number of at most 18 digits, or nil.
    private static func decimal(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 48, byte <= 57 else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        return value
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
