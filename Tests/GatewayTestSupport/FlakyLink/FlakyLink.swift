import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loopback HTTP/1.1 front to a test server that breaks connections on cue, as MGs and the proxies before them
/// do: it drops a connection before or after reading a request's body, loses an answer, or closes a keep-alive
/// connection right after answering (the idle connection a server times out, with no `Connection: close`).
/// It records every request that reaches it, dropped or not, so a test can check that no nonce arrived twice.
///
/// Raw sockets on plain threads, one per connection: every byte and every close happens exactly where the script
/// says. Safe as `@unchecked Sendable`: the tables are touched only under `lock`.
public final class FlakyLink: @unchecked Sendable {
    /// What the link does with one request.
    public enum Action: Sendable, Equatable {
        /// Passes the request on and the answer back; the connection stays open.
        case forward
        /// Closes the connection once the request's head is read, its body unread.
        case dropBeforeBody
        /// Reads the whole request, then closes the connection without passing it on or answering.
        case dropAfterBody
        /// Passes the request on (the server behind acts on it), then closes the connection instead of answering.
        case dropAnswer
        /// Passes the request on and the answer back, then closes the connection.
        case forwardThenClose
    }

    /// Where a request stands among those the link has seen (every count starts at 0).
    public struct Arrival: Sendable {
        /// Among all requests.
        public let index: Int
        /// The connection it came on, in the order the link accepted them.
        public let connection: Int
        /// Among the requests of its connection: above 0, the connection was kept alive and reused.
        public let onConnection: Int
    }

    /// One request that reached the link.
    public struct Seen: Sendable {
        public let arrival: Arrival
        /// Header values by lower-cased name.
        public let fields: [String: String]
        /// Nil when the link dropped the connection before reading the body.
        public let body: [UInt8]?
        public let action: Action
    }

    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }
    private let upstreamPort: Int
    private let script: @Sendable (Arrival) -> Action
    private let listener: Int32
    private let lock = NSLock()
    private var requests: [Seen] = []
    private var arrived = 0
    private var accepted = 0
    private var closedByLink = 0
    private var open: Set<Int32> = []
    private var stopped = false

    /// Starts a link on a free loopback port in front of the server on `upstreamPort`; `script` picks each
    /// request's fate.
    public init(upstreamPort: Int, script: @escaping @Sendable (Arrival) -> Action) throws {
        let handle = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(handle, $0, length) == 0 && listen(handle, 64) == 0 && getsockname(handle, $0, &length) == 0
            }
        }
        guard bound else {
            close(handle)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        listener = handle
        port = Int(UInt16(bigEndian: address.sin_port))
        self.upstreamPort = upstreamPort
        self.script = script
        Thread { [self] in acceptLoop() }.start()
    }

    /// Every request that reached the link, in arrival order.
    public var seen: [Seen] { lock.withLock { requests } }

    /// How many connections the link has closed itself (after each such close is done).
    public var closedConnections: Int { lock.withLock { closedByLink } }

    /// Stops accepting and breaks every open connection.
    public func stop() {
        // Under the lock: a connection's thread leaves `open` before closing its socket, so no descriptor
        // shut down here can have been closed and handed to some other socket of the process meanwhile.
        lock.withLock {
            guard !stopped else { return }
            stopped = true
            shutdown(listener, Int32(SHUT_RDWR))
            open.forEach { _ = shutdown($0, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let handle = accept(listener, nil, nil)
            guard handle >= 0 else { return }
            let id = lock.withLock { () -> Int? in
                guard !stopped else { return nil }
                open.insert(handle)
                defer { accepted += 1 }
                return accepted
            }
            guard let id else {
                close(handle)
                return
            }
            Thread { [self] in serve(HTTPSocket(handle), connection: id) }.start()
        }
    }

    private func serve(_ client: HTTPSocket, connection: Int) {
        var upstream: HTTPSocket?
        let linkCloses = relay(client, connection: connection, upstream: &upstream)
        upstream?.close()
        lock.withLock { _ = open.remove(client.handle) }
        client.close()
        if linkCloses { lock.withLock { closedByLink += 1 } }
    }

    /// Relays the connection's requests until the script ends it (true) or the client goes away (false).
    private func relay(_ client: HTTPSocket, connection: Int, upstream: inout HTTPSocket?) -> Bool {
        var onConnection = 0
        while let head = client.readHead() {
            let arrival = lock.withLock {
                defer { arrived += 1 }
                return Arrival(index: arrived, connection: connection, onConnection: onConnection)
            }
            onConnection += 1
            let action = script(arrival)
            if action == .dropBeforeBody {
                record(arrival, head, body: nil, action)
                return true
            }
            guard let body = client.readBody(count: head.contentLength) else { return false }
            record(arrival, head, body: body, action)
            if action == .dropAfterBody { return true }
            if upstream == nil { upstream = HTTPSocket.connect(port: upstreamPort) }
            guard let server = upstream, server.write(head.bytes + body), let answer = server.readHead(),
                let answerBody = server.readBody(count: answer.contentLength)
            else { return true }
            if action == .dropAnswer { return true }
            guard client.write(answer.bytes + answerBody) else { return false }
            if action == .forwardThenClose { return true }
        }
        return false
    }

    /// A script that answers every request on a new connection and every other one on a kept-alive connection, and
    /// breaks the rest in turn as `breaks` lists them. Breaks come only where libcurl would send the request again
    /// by itself, and in any run with enough reused connections every one of them comes.
    public static func alternating(_ breaks: [Action]) -> @Sendable (Arrival) -> Action {
        let reused = CallCounter()
        return { arrival in
            guard arrival.onConnection > 0 else { return .forward }
            let turn = reused.next()
            return turn % 2 == 0 ? .forward : breaks[(turn / 2) % breaks.count]
        }
    }

    private func record(_ arrival: Arrival, _ head: MessageHead, body: [UInt8]?, _ action: Action) {
        let seen = Seen(arrival: arrival, fields: head.fields, body: body, action: action)
        lock.withLock { requests.append(seen) }
    }
}
