import Opencharge

/// Peers whose metadata is given rather than fetched: the offline resolver with inline metadata that spec
/// §1.2 suggests. `ocgate bench checkout` uses it so the measured path does no network I/O, as a warm
/// `MetadataDirectory` would not either; tests use it to reach what happens after resolution.
public struct InlinePeerDirectory: PeerDirectory {
    public let peers: [UInt64: PeerMetadata]

    public init(_ peers: [PeerMetadata]) {
        self.peers = Dictionary(peers.map { ($0.ocid, $0) }, uniquingKeysWith: { _, last in last })
    }

    public func metadata(for ocid: UInt64) async throws(APIError) -> PeerMetadata {
        guard let metadata = peers[ocid] else { throw APIError(.unknownOCID, "OCID \(ocid) is not in the registry") }
        return metadata
    }
}
