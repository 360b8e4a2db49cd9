import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Resolves a host name once, so the addresses the policy checks are the ones the transfer connects to.
struct HostResolver: Sendable {
    /// getaddrinfo blocks; it runs here, never on Swift's cooperative pool.
    private static let queue = DispatchQueue(label: "ocgate.outbound.resolve", attributes: .concurrent)

    func addresses(of host: String) async throws(OutboundError) -> [IPAddress] {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[IPAddress], OutboundError>, Never>) in
            Self.queue.async {
                continuation.resume(returning: Self.lookUp(host))
            }
        }
        return try result.get()
    }

    private static func lookUp(_ host: String) -> Result<[IPAddress], OutboundError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let list else {
            return .failure(.resolveFailed(host: host))
        }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        for entry in sequence(first: list, next: { $0.pointee.ai_next }) {
            guard let socketAddress = entry.pointee.ai_addr else { continue }
            let address: IPAddress? = switch Int32(socketAddress.pointee.sa_family) {
            case AF_INET:
                socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { IPAddress(v4: $0.pointee.sin_addr) }
            case AF_INET6:
                socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { IPAddress(v6: $0.pointee.sin6_addr) }
            default:
                nil
            }
            if let address, !addresses.contains(address) {
                addresses.append(address)
            }
        }
        return addresses.isEmpty ? .failure(.resolveFailed(host: host)) : .success(addresses)
    }
}
