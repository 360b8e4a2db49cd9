import CCurl

/// A URL split the way libcurl itself splits it, so the policy checks exactly the host curl will connect to.
struct OutboundURL: Sendable {
    /// The URL as curl normalised it; this is what the transfer uses.
    let text: String
    /// Lower-cased scheme.
    let scheme: String
    /// Host name, or literal address without brackets.
    let host: String
    let port: Int
    /// Set when the host is a literal address, which needs no resolution.
    let literal: IPAddress?
    /// An IPv6 zone identifier (`%eth0`), which the policy refuses.
    let zone: String?

    init(_ text: String) throws(OutboundError) {
        guard let handle = curl_url() else { throw .invalidURL(text) }
        defer { curl_url_cleanup(handle) }
        // Unsupported schemes still parse, so the policy can name the scheme in its refusal.
        guard curl_url_set(handle, CURLUPART_URL, text, UInt32(CURLU_NON_SUPPORT_SCHEME)) == CURLUE_OK,
            let normalised = Self.part(handle, CURLUPART_URL),
            let scheme = Self.part(handle, CURLUPART_SCHEME),
            let host = Self.part(handle, CURLUPART_HOST),
            let port = Self.part(handle, CURLUPART_PORT, flags: UInt32(CURLU_DEFAULT_PORT)).flatMap({ Int($0) })
        else { throw .invalidURL(text) }
        self.text = normalised
        self.scheme = scheme.lowercased()
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.host = bare.lowercased()
        self.port = port
        self.literal = IPAddress(bare)
        self.zone = Self.part(handle, CURLUPART_ZONEID)
    }

    private static func part(_ handle: OpaquePointer, _ part: CURLUPart, flags: UInt32 = 0) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, part, &value, flags) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value)
    }
}
