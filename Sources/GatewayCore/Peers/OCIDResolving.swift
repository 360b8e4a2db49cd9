import Opencharge

/// Maps an OCID to the URL of its metadata document (spec §1.2). Never take that URL from the peer's own
/// request: resolve it here.
public protocol OCIDResolving: Sendable {
    /// - Throws: `APIError` `UNKNOWN_OCID` (401) when no source knows the OCID, `METADATA_UNAVAILABLE` (502)
    ///   when a source that might know it cannot be asked.
    func metadataURL(for ocid: UInt64) async throws(APIError) -> String
}
