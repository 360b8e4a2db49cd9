import GatewayCore
import Opencharge

extension InlinePeerDirectory {
    /// The authentication tests' peers, with the previous keys some of them rotated from.
    init(_ peers: [TestPeer], previousKeys: [UInt64: PublicKey] = [:]) {
        self.init(
            peers.map { peer in
                PeerMetadata(
                    ocid: peer.ocid, name: peer.name, publicKey: peer.key.publicKey, previousKey: previousKeys[peer.ocid],
                    endpoint: peer.endpoint, capabilities: [], currencies: [], accepts: [])
            })
    }
}
