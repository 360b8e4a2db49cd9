import Foundation
import GatewayCore
import HTTPTypes
import Hummingbird
import Opencharge

/// Builds the gateway's JSON responses: compact canonical JSON, signed with the response headers of
/// spec §3.5, so every JSON answer can be verified against the published key.
struct SignedResponder: Sendable {
    let identity: GatewayIdentity
    let now: @Sendable () -> Date

    func json(_ body: JSONValue, status: HTTPResponse.Status = .ok, extraHeaders: HTTPFields = [:]) -> Response {
        json(bytes: CanonicalJSON.encode(body), status: status, extraHeaders: extraHeaders)
    }

    /// A JSON body already encoded (stored bytes spliced in, never re-encoded), signed like any other.
    func json(bytes: [UInt8], status: HTTPResponse.Status = .ok, extraHeaders: HTTPFields = [:]) -> Response {
        let signed = identity.key.signResponse(
            ocid: identity.ocid, status: status.code, body: bytes, timestamp: Int64(now().timeIntervalSince1970))
        var headers = extraHeaders
        headers[.contentType] = "application/json"
        for field in signed.fields {
            headers[HTTPField.Name(field.name)!] = field.value
        }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func error(_ error: APIError) -> Response {
        var headers: HTTPFields = [:]
        if let retryAfter = error.retryAfter { headers[.retryAfter] = String(retryAfter) }
        return json(error.json, status: HTTPResponse.Status(code: error.status), extraHeaders: headers)
    }
}
