import GatewayCore
import GatewayStore
import Hummingbird
import Logging
import Opencharge

/// The unauthenticated routes: metadata, liveness and readiness.
struct PublicRoutes: Sendable {
    let identity: GatewayIdentity
    let database: GatewayDatabase
    let queue: any JobQueue
    let responder: SignedResponder

    func register(on router: Router<some RequestContext>) {
        // Signed once: the document only changes with the configuration.
        let metadata = MetadataDocument.build(for: identity)
        router.get("/metadata.json") { _, _ in responder.json(metadata) }
        router.get("/health") { _, _ in responder.json(["status": "ok"]) }
        router.get("/ready") { _, context in
            var problems: [JSONValue] = []
            do {
                try await database.checkWritable()
            } catch {
                context.logger.error("readiness: database not writable", metadata: ["error": "\(error)"])
                problems.append("database not writable")
            }
            if (try? await queue.isDraining()) ?? true { problems.append("draining") }
            if problems.isEmpty { return responder.json(["status": "ready"]) }
            return responder.json(["status": "unavailable", "problems": .array(problems)], status: .serviceUnavailable)
        }
    }
}
