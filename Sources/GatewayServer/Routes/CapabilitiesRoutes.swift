import GatewayCore
import Hummingbird
import Opencharge

/// `GET /capabilities` (spec §5.2): what the authenticated partner may use here.
struct CapabilitiesRoutes: Sendable {
    let identity: GatewayIdentity
    let authenticator: any RequestAuthenticating
    let responder: SignedResponder

    func register(on router: Router<GatewayRequestContext>) {
        router.get("/capabilities") { request, _ in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let incoming = IncomingRequest(
                method: request.method.rawValue, target: request.head.path ?? request.uri.string, headers: headers, body: [])
            _ = try await authenticator.authenticate(incoming)
            return responder.json([
                "ocid": .integer(identity.ocid), "name": .string(identity.name),
                "capabilities": .array(MetadataDocument.capabilities.map { .string($0) }),
                "settlement": ["currencies": .array(identity.currencies.map { .string($0) })],
            ])
        }
    }
}
