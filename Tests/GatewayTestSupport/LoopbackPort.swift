#if canImport(Glibc)
import Glibc
#endif

/// A loopback port nobody listens on: bound by the kernel's choice, then closed again. Tests use it to
/// refuse a connection, or to give a server process a port of its own.
public func closedLoopbackPort() -> Int {
    let taken = OccupiedLoopbackPort(listening: false)
    defer { taken.release() }
    return taken.port
}

/// A loopback port of the kernel's choice held by a socket of this process until `release()`; listening on it (the
/// default) makes it a port some other program serves, for tests of a server that finds its port taken.
public final class OccupiedLoopbackPort {
    public let port: Int
    private let socketHandle: Int32

    public init(listening: Bool = true) {
        let socketHandle = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.socketHandle = socketHandle
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                _ = bind(socketHandle, raw, length)
                if listening { _ = listen(socketHandle, 1) }
                _ = getsockname(socketHandle, raw, &length)
            }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    public func release() { close(socketHandle) }
}
