import GatewayCore
import GatewaySimulator
import GatewayStore
import Logging
import Opencharge

extension InlinePeerDirectory {
    /// A directory that knows exactly these parties.
    public init(_ parties: [SimulatedParty]) { self.init(parties.map(\.metadata)) }
}

extension RequestAuthenticator {
    /// The real authenticator over a fixed directory, admitting any resolvable caller (`partners.open`).
    public static func openGateway(peers: any PeerDirectory, stores: GatewayStores, time: any TimeSource) -> RequestAuthenticator {
        RequestAuthenticator(
            directory: peers, nonces: stores.nonces,
            policy: PartnerPolicy(partners: stores.partners, open: true, time: time), basePath: "", time: time,
            logger: Logger(label: "test"))
    }
}
