/// A CIDR block of addresses the outbound policy treats specially, with the rule an operator reads in a refusal.
struct AddressBlock: Sendable {
    let network: IPAddress
    let length: Int
    /// What the block is, as a refusal names it ("private", "link-local", ...).
    let rule: String

    init(_ cidr: String, _ rule: String) {
        let parts = cidr.split(separator: "/")
        // The tables below are literals checked by the tests; a bad entry is a programming error.
        guard parts.count == 2, let network = IPAddress(String(parts[0])), let length = Int(parts[1]) else {
            preconditionFailure("bad CIDR literal \(cidr)")
        }
        self.network = network
        self.length = length
        self.rule = rule
    }

    func contains(_ address: IPAddress) -> Bool {
        address.hasPrefix(network, length: length)
    }

    /// "10.0.0.0/8"
    var cidr: String { "\(network)/\(length)" }

    /// Loopback, allowed only when the policy says so (tests, the demo, a local sidecar).
    static let loopback: [AddressBlock] = [
        AddressBlock("127.0.0.0/8", "loopback"),
        AddressBlock("::1/128", "loopback"),
    ]

    /// Blocks never reached unless the host is allow-listed: nothing in them is a public internet peer,
    /// and several (metadata services, NAT64 and 6to4 gateways) are classic server-side request forgery targets.
    static let nonPublic: [AddressBlock] = [
        AddressBlock("0.0.0.0/8", "unspecified"),
        AddressBlock("10.0.0.0/8", "private"),
        AddressBlock("100.64.0.0/10", "CGNAT"),
        AddressBlock("169.254.0.0/16", "link-local"),
        AddressBlock("172.16.0.0/12", "private"),
        AddressBlock("192.168.0.0/16", "private"),
        AddressBlock("224.0.0.0/4", "multicast"),
        AddressBlock("255.255.255.255/32", "broadcast"),
        AddressBlock("240.0.0.0/4", "reserved"),
        AddressBlock("::/128", "unspecified"),
        AddressBlock("64:ff9b::/96", "NAT64"),
        AddressBlock("64:ff9b:1::/48", "NAT64"),
        AddressBlock("2002::/16", "6to4"),
        AddressBlock("fc00::/7", "private"),
        AddressBlock("fe80::/10", "link-local"),
        AddressBlock("ff00::/8", "multicast"),
    ]
}
