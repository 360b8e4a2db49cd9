import Foundation
import GatewayConsole
import GatewayStore
import GatewayTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// A console on scratch stores of either backend and a hand-moved clock, driven through its router as a browser would.
struct ConsoleRig {
    static let token = "operator-token-0123456789"

    /// Holds the stores; they are discarded (the PostgreSQL database dropped) when the rig goes.
    let scratch: ScratchStores
    var stores: GatewayStores { scratch.stores }
    let time: ManualTime
    let console: OperatorConsole

    init(
        _ backend: TestBackend, loginAttempts: Int = 5, sessionTTL: Duration = .seconds(3600), secureCookie: Bool = false
    ) throws {
        time = ManualTime()
        scratch = try ScratchStores(backend, time: time)
        let stores = scratch.stores
        console = OperatorConsole(
            settings: ConsoleSettings(
                host: "127.0.0.1", port: 0, token: Self.token, sessionTTL: sessionTTL, loginAttempts: loginAttempts,
                secureCookie: secureCookie),
            stores: stores, gatewayName: "Test <Gateway>", time: time, logger: Logger(label: "console-test"))
    }

    func run(_ test: @Sendable (ConsoleBrowser) async throws -> Void) async throws {
        let app = Application(router: console.makeRouter())
        try await app.test(.router) { client in try await test(ConsoleBrowser(client: client)) }
    }

    /// Seeds `count` dead jobs of `kind` for `mg`, each failed with `error` and an MG reply `body`.
    @discardableResult
    func deadJobs(_ count: Int, kind: String = "callback.deliver", mg: UInt64? = 300, error: String = "HTTP 500",
        body: String? = nil) async throws -> [Int64]
    {
        let jobs = (0..<count).map { index in
            NewJob(kind: kind, payload: Data("{\"txid\":\"tx\(index)\"}".utf8), uniqueKey: "\(kind):\(UUID())", mgOCID: mg)
        }
        let ids = try await stores.jobs.enqueue(jobs).map(\.id)
        var claimed: [ClaimedJob] = []
        while claimed.count < count {
            let batch = try await stores.jobs.claim(kinds: [kind], limit: count, worker: "w1", lease: .seconds(60))
            if batch.isEmpty { break }
            claimed += batch
        }
        let failure = AttemptFailure(error: error, httpStatus: 500, responseExcerpt: body)
        _ = try await stores.jobs.finish(claimed.map { JobFinish($0, .dead(failure)) })
        return ids
    }

    /// Stores a pending session.
    @discardableResult
    func session(id: String, merchantName: String = "Coffee", orderJSON: String = "{}", mg: UInt64 = 300)
        async throws -> CheckoutSessionRecord
    {
        let now = time.now()
        let record = CheckoutSessionRecord(
            id: id, mgOCID: mg, merchantOCID: 500, orderID: "ord-\(id)", orderJSON: orderJSON, orderSignature: "ab",
            requestDigest: id, amount: "4.50", currency: "USD", successURL: "https://m.example/ok",
            cancelURL: "https://m.example/no", status: SessionStatus.pending.rawValue, createdAt: now,
            expiresAt: Int64(now.timeIntervalSince1970) + 1800, merchantName: merchantName)
        _ = try await stores.sessions.create(record, nonce: nil, job: nil)
        return record
    }
}

/// An operator's browser: it keeps the cookies the console sets and sends the CSRF token the last page held.
final class ConsoleBrowser: @unchecked Sendable {
    let client: any TestClientProtocol
    /// Touched by one test task at a time.
    private(set) var cookies: [String: String] = [:]
    private(set) var csrf: String?

    init(client: any TestClientProtocol) {
        self.client = client
    }

    /// Logs in with `token`; the login's answer.
    @discardableResult
    func logIn(token: String = ConsoleRig.token) async throws -> TestResponse {
        let form = try await get("/login")
        #expect(form.status == .ok)
        let answer = try await post("/login", ["token": token])
        // A browser follows the redirect; the page it lands on holds the login's CSRF token.
        if answer.status == .seeOther, let location = answer.location { try await get(location) }
        return answer
    }

    @discardableResult
    func get(_ path: String, accept: String = "text/html") async throws -> TestResponse {
        var headers = cookieHeader()
        headers[.accept] = accept
        let response = try await client.execute(uri: path, method: .get, headers: headers, body: nil)
        remember(response)
        return response
    }

    /// Posts a form carrying the CSRF token of the last page unless `csrf` says otherwise (nil: none at all).
    @discardableResult
    func post(_ path: String, _ fields: [String: String] = [:], csrf: String?? = .none, accept: String = "text/html")
        async throws -> TestResponse
    {
        var fields = fields
        switch csrf {
        case .none: if let token = self.csrf { fields["csrf"] = token }
        case .some(.some(let token)): fields["csrf"] = token
        case .some(.none): break
        }
        var headers = cookieHeader()
        headers[.contentType] = "application/x-www-form-urlencoded"
        headers[.accept] = accept
        let body = fields.map { "\(Self.encode($0.key))=\(Self.encode($0.value))" }.joined(separator: "&")
        let response = try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
        remember(response)
        return response
    }

    func forgetCookies() { cookies = [:] }

    private func cookieHeader() -> HTTPFields {
        var headers = HTTPFields()
        if !cookies.isEmpty {
            headers[.cookie] = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        }
        return headers
    }

    private func remember(_ response: TestResponse) {
        for field in response.headers[values: .setCookie] {
            let pair = field.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            let expired = field.contains("Max-Age=0")
            cookies[name] = expired || value.isEmpty ? nil : value
        }
        let html = String(buffer: response.body)
        if let range = html.range(of: "name=\"csrf\" value=\"") {
            csrf = String(html[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var location: String? { headers[.location] }
}
