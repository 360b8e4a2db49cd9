import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Opencharge

/// Answers every failure: a page for a browser, `{"error":{"code","message"}}` for anything else. Unexpected errors
/// are logged and answered 500 without internals.
struct ConsoleErrors: RouterMiddleware {
    typealias Context = ConsoleRequestContext
    let renderer: ConsoleRenderer

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ConsoleError {
            return answer(error, request: request, context: context)
        } catch let error as HTTPError where error.status == .notFound || error.status == .methodNotAllowed {
            return answer(.notFound("no page at \(request.method) \(request.uri.path)"), request: request, context: context)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return answer(.badRequest("the form is larger than any console form"), request: request, context: context)
        } catch {
            context.logger.error(
                "console request failed",
                metadata: ["method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(error)"])
            var response = Response(status: .internalServerError)
            response.headers[.contentType] = "text/plain; charset=utf-8"
            response.body = ResponseBody(byteBuffer: ByteBuffer(string: "internal error\n"))
            return response
        }
    }

    private func answer(_ error: ConsoleError, request: Request, context: Context) -> Response {
        var response: Response
        if request.headers[.accept]?.contains("text/html") ?? false {
            response = renderer.errorPage(error, login: context.login)
        } else {
            let body: JSONValue = ["error": ["code": .string(error.code), "message": .string(error.message)]]
            response = Response(status: error.status, body: ResponseBody(byteBuffer: ByteBuffer(bytes: CanonicalJSON.encode(body))))
            response.headers[.contentType] = "application/json"
            response.headers[.cacheControl] = "no-store"
        }
        if case .throttled(let seconds) = error { response.headers[.retryAfter] = "\(seconds)" }
        return response
    }
}
