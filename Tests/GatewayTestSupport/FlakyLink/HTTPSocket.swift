import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The head of one HTTP/1.1 message: its bytes as received (to pass on unchanged) and its fields.
struct MessageHead {
    let bytes: [UInt8]
    /// Field values by lower-cased name.
    let fields: [String: String]

    /// The body length; the servers behind a `FlakyLink` always send `Content-Length`.
    var contentLength: Int { fields["content-length"].flatMap { Int($0) } ?? 0 }

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var fields: [String: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            fields[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        self.fields = fields
    }
}

/// A blocking loopback TCP socket that reads and writes whole HTTP/1.1 messages. Every read is bounded by a
/// receive timeout, so a test that goes wrong ends instead of hanging.
final class HTTPSocket {
    let handle: Int32
    private var buffer: [UInt8] = []

    init(_ handle: Int32) {
        self.handle = handle
        var bound = timeval(tv_sec: 20, tv_usec: 0)
        _ = setsockopt(handle, SOL_SOCKET, SO_RCVTIMEO, &bound, socklen_t(MemoryLayout<timeval>.size))
    }

    /// A connection to `port` on 127.0.0.1, or nil if it is refused.
    static func connect(port: Int) -> HTTPSocket? {
        let handle = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in.loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(handle, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            Glibc.close(handle)
            return nil
        }
        return HTTPSocket(handle)
    }

    /// The next message's head, through its blank line; nil when the peer closed or the read failed.
    func readHead() -> MessageHead? {
        while true {
            if let end = headEnd() {
                defer { buffer.removeFirst(end) }
                return MessageHead(Array(buffer[..<end]))
            }
            guard fill() else { return nil }
        }
    }

    /// Where the buffered head ends (just past its CRLF CRLF), if it is all there.
    private func headEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        return (4...buffer.count).first { buffer[($0 - 4)..<$0].elementsEqual([13, 10, 13, 10]) }
    }

    /// Exactly `count` body bytes; nil when the peer closed first.
    func readBody(count: Int) -> [UInt8]? {
        while buffer.count < count {
            guard fill() else { return nil }
        }
        defer { buffer.removeFirst(count) }
        return Array(buffer[..<count])
    }

    /// Writes all of `bytes`; false when the peer is gone (no SIGPIPE).
    func write(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes { send(handle, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { return false }
            sent += written
        }
        return true
    }

    func close() { Glibc.close(handle) }

    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let count = chunk.withUnsafeMutableBytes { recv(handle, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return false }
        buffer.append(contentsOf: chunk[..<count])
        return true
    }
}

extension sockaddr_in {
    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }
}
