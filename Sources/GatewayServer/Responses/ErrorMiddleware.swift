import Hummingbird
import Logging
import Opencharge

/// Turns every failure into the protocol's error body, `{"error":{"code","message"}}`, signed like any
/// other response; unexpected errors are logged and answered 500 without internals.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let responder: SignedResponder

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return responder.error(error)
        } catch let error as HTTPError {
            return responder.error(Self.apiError(for: error, request: request))
        } catch {
            // The request's logger carries its `hb.request.id`, the same id as the request's own log line.
            context.logger.error(
                "request failed",
                metadata: ["method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(error)"])
            return responder.error(APIError(.internalError, "internal error"))
        }
    }

    static func apiError(for error: HTTPError, request: Request) -> APIError {
        switch error.status {
        case .notFound: APIError(.notFound, "no route for \(request.method) \(request.uri.path)")
        case .contentTooLarge: APIError(.payloadTooLarge, "request body is larger than the limit")
        case .methodNotAllowed: APIError(.notFound, "no route for \(request.method) \(request.uri.path)")
        default: APIError(.invalidRequest, error.body ?? error.status.reasonPhrase)
        }
    }
}
