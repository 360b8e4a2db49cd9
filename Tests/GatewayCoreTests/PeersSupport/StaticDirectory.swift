import GatewayCore
import Opencharge

/// A `PeerDirectory` with fixed answers, so the authentication tests need no metadata server.
struct StaticDirectory: PeerDirectory {
    let peers: [UInt64: PeerMetadata]

    init(_ peers: [TestPeer], previousKeys: [UInt64: PublicKey] = [:]) {
        self.peers = Dictionary(
            uniqueKeysWithValues: peers.map { peer in
                (
                    peer.ocid,
                    PeerMetadata(
                        ocid: peer.ocid, name: peer.name, publicKey: peer.key.publicKey, previousKey: previousKeys[peer.ocid],
                        endpoint: peer.endpoint, capabilities: [], currencies: [], accepts: [])
                )
            })
    }

    func metadata(for ocid: UInt64) async throws(APIError) -> PeerMetadata {
        guard let metadata = peers[ocid] else { throw APIError(.unknownOCID, "OCID \(ocid) is not in the registry") }
        return metadata
    }
}
