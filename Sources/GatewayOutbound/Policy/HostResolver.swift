import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Resolves a host name once, so the addresses the policy checks are the ones the transfer connects to.
struct HostResolver: Sendable {
    /// getaddrinfo blocks; it runs here, never on Swift's cooperative pool.
    private static let queue = DispatchQueue(label: "ocgate.outbound.resolve", attributes: .concurrent)

    /// The host's addresses, or a timeout once `limit` has passed (a stuck lookup is left to finish on its own).
    func addresses(of url: OutboundURL, within limit: Duration) async throws(OutboundError) -> [IPAddress] {
        let result = await withCheckedContinuation { continuation in
            let race = FirstOutcome(continuation)
            Self.queue.async {
                race.offer(Self.lookUp(url.host))
            }
            Self.queue.asyncAfter(deadline: .now() + .milliseconds(Int(limit.milliseconds))) {
                race.offer(.failure(.timeout(url: url.text, after: limit)))
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

/// Resumes a continuation with whichever of a lookup and its deadline finishes first, and ignores the other.
private final class FirstOutcome: @unchecked Sendable {
    // Safe to share: `continuation` is resumed at most once, decided under `lock`.
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Result<[IPAddress], OutboundError>, Never>?

    init(_ continuation: CheckedContinuation<Result<[IPAddress], OutboundError>, Never>) {
        self.continuation = continuation
    }

    func offer(_ outcome: Result<[IPAddress], OutboundError>) {
        let waiting = lock.withLock {
            defer { continuation = nil }
            return continuation
        }
        waiting?.resume(returning: outcome)
    }
}
