/// Which destinations outbound calls may reach, and how much they may bring back.
///
/// Only `http` and `https`; plain `http` only to loopback hosts; every address a host resolves to must be public
/// (loopback only when `allowLoopback`), unless the host is listed in `allowHosts`.
public struct OutboundPolicy: Sendable {
    /// Host names (matched exactly, case-insensitively) or literal IPs that skip the address-range checks,
    /// for peers an operator knowingly runs on a private network.
    public var allowHosts: [String]
    /// Whether loopback addresses (127.0.0.0/8, ::1) may be reached: tests and the demo, never production.
    public var allowLoopback: Bool
    /// The largest response body accepted; a longer one aborts the transfer.
    public var maxResponseBytes: Int
    /// The most the TCP and TLS handshakes may take, within the request's own timeout.
    public var connectTimeout: Duration

    /// Creates a policy.
    /// - Parameters:
    ///   - allowHosts: hosts or literal IPs exempt from the address-range checks.
    ///   - allowLoopback: whether loopback addresses may be reached.
    ///   - maxResponseBytes: the response body limit.
    ///   - connectTimeout: the connection set-up limit.
    public init(
        allowHosts: [String] = [], allowLoopback: Bool = false, maxResponseBytes: Int = 1 << 20,
        connectTimeout: Duration = .seconds(5)
    ) {
        self.allowHosts = allowHosts
        self.allowLoopback = allowLoopback
        self.maxResponseBytes = maxResponseBytes
        self.connectTimeout = connectTimeout
    }
}

extension OutboundPolicy {
    /// The checks that need no name resolution: scheme, zone identifiers, and plain `http` only to loopback hosts.
    func admitBeforeResolution(_ url: OutboundURL) throws(OutboundError) {
        guard url.scheme == "http" || url.scheme == "https" else {
            throw .refused(url: url.text, reason: "scheme '\(url.scheme)' is not allowed (only http and https)")
        }
        if let zone = url.zone {
            throw .refused(url: url.text, reason: "IPv6 zone identifier '\(zone)' is not allowed")
        }
        if url.scheme == "http" {
            let loopbackName = url.host == "localhost" || url.host.hasSuffix(".localhost")
            let loopbackLiteral = url.literal.map(Self.isLoopback) ?? false
            guard loopbackName || loopbackLiteral else {
                throw .refused(url: url.text, reason: "plain http is allowed only to loopback hosts; use https")
            }
        }
    }

    /// Checks every address the host resolved to; one bad address refuses the call, since curl might pick it.
    func admit(_ url: OutboundURL, addresses: [IPAddress]) throws(OutboundError) {
        for address in addresses {
            if url.scheme == "http", !Self.isLoopback(address) {
                throw .refused(
                    url: url.text,
                    reason: "address \(address) of \(url.host) is not loopback, and plain http is allowed only to loopback")
            }
        }
        guard !isAllowListed(url.host) else { return }
        for address in addresses {
            if let block = AddressBlock.loopback.first(where: { $0.contains(address.unmapped) }), !allowLoopback {
                throw .refused(url: url.text, reason: Self.rangeReason(address, block) + " and loopback is not allowed")
            }
            if let block = AddressBlock.nonPublic.first(where: { $0.contains(address.unmapped) }) {
                throw .refused(url: url.text, reason: Self.rangeReason(address, block) + " and the host is not in allowHosts")
            }
        }
    }

    private func isAllowListed(_ host: String) -> Bool {
        let literal = IPAddress(host)
        return allowHosts.contains { entry in
            if let literal, let allowed = IPAddress(entry) { return allowed == literal }
            return entry.lowercased() == host
        }
    }

    private static func isLoopback(_ address: IPAddress) -> Bool {
        AddressBlock.loopback.contains { $0.contains(address.unmapped) }
    }

    private static func rangeReason(_ address: IPAddress, _ block: AddressBlock) -> String {
        "address \(address) is in the \(block.rule) range \(block.cidr)"
    }
}
