import GatewayCore
import GatewayStore
import Hummingbird
import Logging
import Opencharge

/// The unauthenticated routes: metadata, liveness and readiness.
struct PublicRoutes: Sendable {
    let identity: GatewayIdentity
    let stores: GatewayStores
    let responder: SignedResponder
    /// Decides whether a rotated-away key is still published.
    let time: any TimeSource

    func register(on router: some RouterMethods<GatewayRequestContext>) {
        // Signed once: only the rotation's previousKey, outside the signed part, changes with time.
        let metadata = MetadataDocument(identity: identity)
        let time = self.time
        router.get("/metadata.json") { _, _ in responder.json(metadata.json(at: time.now())) }
        router.get("/health") { _, _ in responder.json(["status": "ok"]) }
        router.get("/ready") { _, context in
            var problems: [JSONValue] = []
            do {
                try await stores.maintenance.checkWritable()
            } catch {
                context.logger.error("readiness: database not writable", metadata: ["error": "\(error)"])
                problems.append("database not writable")
            }
            if (try? await stores.jobs.isDraining()) ?? true { problems.append("draining") }
            if problems.isEmpty { return responder.json(["status": "ready"]) }
            return responder.json(["status": "unavailable", "problems": .array(problems)], status: .serviceUnavailable)
        }
    }
}
