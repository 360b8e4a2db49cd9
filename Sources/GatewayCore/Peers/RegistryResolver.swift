import Foundation
import GatewayConfig
import GatewayOutbound
import Opencharge

/// Resolves OCIDs from the static registry file, then (when configured) from an Opencharge index service:
/// `GET {index}/ocid/{ocid}` → `{"metadataUrl": …}`.
public struct RegistryResolver: OCIDResolving {
    private let entries: [UInt64: String]
    private let index: Index?

    private struct Index: Sendable {
        let url: String
        let client: OutboundClient
        let timeout: Duration
    }

    /// - Parameters:
    ///   - entries: the static OCID → metadata URL map.
    ///   - indexURL: the index service base URL, or nil to use `entries` only.
    ///   - client: sends index look-ups (needed only with `indexURL`).
    ///   - timeout: the time allowed for one index look-up.
    public init(entries: [UInt64: String], indexURL: String? = nil, client: OutboundClient? = nil, timeout: Duration = .seconds(5)) {
        self.entries = entries
        if let indexURL, let client {
            let base = indexURL.hasSuffix("/") ? String(indexURL.dropLast()) : indexURL
            index = Index(url: base, client: client, timeout: timeout)
        } else {
            index = nil
        }
    }

    /// Reads `registry.file` (none when the default file is missing) and takes `registry.index_url` from the configuration.
    /// - Throws: the `ConfigError` of a named registry file that is missing, or of a malformed one.
    public init(configuration: GatewayConfiguration, client: OutboundClient) throws(ConfigError) {
        self.init(
            entries: try configuration.registry.entries(), indexURL: configuration.registry.indexURL,
            client: client, timeout: configuration.outbound.metadataTimeout)
    }

    public func metadataURL(for ocid: UInt64) async throws(APIError) -> String {
        if let url = entries[ocid] { return url }
        guard let index else {
            throw APIError(.unknownOCID, "OCID \(ocid) is not in the registry")
        }
        return try await lookUp(ocid, in: index)
    }

    private func lookUp(_ ocid: UInt64, in index: Index) async throws(APIError) -> String {
        let url = "\(index.url)/ocid/\(ocid)"
        let response: OutboundResponse
        do {
            response = try await index.client.send(OutboundRequest(method: "GET", url: url, timeout: index.timeout))
        } catch {
            throw APIError(.metadataUnavailable, "cannot resolve OCID \(ocid): index lookup failed: \(error)")
        }
        if response.status == 404 {
            throw APIError(.unknownOCID, "OCID \(ocid) is not in the registry or the index")
        }
        guard response.status == 200 else {
            throw APIError(.metadataUnavailable, "cannot resolve OCID \(ocid): index answered HTTP \(response.status)")
        }
        guard let found = (try? JSONParser.parse(response.body))?["metadataUrl"]?.stringValue, Self.isHTTPURL(found)
        else {
            throw APIError(.metadataUnavailable, "cannot resolve OCID \(ocid): index answer has no valid metadataUrl")
        }
        return found
    }

    static func isHTTPURL(_ text: String) -> Bool {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
        else { return false }
        return true
    }
}
