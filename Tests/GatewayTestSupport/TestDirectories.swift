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
    public static func openGateway(peers: any PeerDirectory, database: GatewayDatabase, time: any TimeSource) -> RequestAuthenticator {
        RequestAuthenticator(
            directory: peers, nonces: NonceStore(database: database, time: time),
            policy: PartnerPolicy(partners: PartnerStore(database: database), open: true, time: time), basePath: "",
            time: time, logger: Logger(label: "test"))
    }
}
