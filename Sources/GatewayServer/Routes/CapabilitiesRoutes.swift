import GatewayCore
import Hummingbird
import Opencharge

/// `GET /capabilities` (spec §5.2): what the authenticated partner may use here.
struct CapabilitiesRoutes: Sendable {
    let identity: GatewayIdentity
    let authenticator: any RequestAuthenticating
    let responder: SignedResponder

    func register(on router: some RouterMethods<GatewayRequestContext>) {
        router.get("/capabilities") { request, _ in
            _ = try await authenticator.authenticate(IncomingRequest(request, body: []))
            return responder.json([
                "ocid": .integer(identity.ocid), "name": .string(identity.name),
                "capabilities": .array(MetadataDocument.capabilities.map { .string($0) }),
                "settlement": ["currencies": .array(identity.currencies.map { .string($0) })],
            ])
        }
    }
}
