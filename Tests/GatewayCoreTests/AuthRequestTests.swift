import Foundation
import GatewayCore
import GatewaySimulator
import GatewayStore
import GatewayTestSupport
import Logging
import Opencharge
import Testing

struct AuthRequestTests {
    let time = ManualTime()
    let path = TestStores.scratchPath()
    let stores: GatewayStores
    let mg = TestPeer(ocid: 300)
    let stranger = TestPeer(ocid: 301)
    var now: Int64 { Int64(time.now().timeIntervalSince1970) }

    init() async throws {
        stores = try TestStores.sqlite(path: path, time: time, durability: .normal)
        try await stores.partners.add(
            Partner(ocid: 300, name: "MG", publicKey: mg.key.publicKey.hex, endpoint: mg.endpoint, status: .enabled, addedAt: Date()))
    }

    /// The stores another process on the same database would have (its own nonce memory).
    func anotherProcess() throws -> GatewayStores {
        try TestStores.sqlite(path: path, time: time, durability: .normal)
    }

    func authenticator(
        open: Bool = false, basePath: String = "", directory: (any PeerDirectory)? = nil, nonces: (any NonceStore)? = nil
    ) -> RequestAuthenticator {
        RequestAuthenticator(
            directory: directory ?? InlinePeerDirectory([mg, stranger]), nonces: nonces ?? stores.nonces,
            policy: PartnerPolicy(partners: stores.partners, open: open, time: time), basePath: basePath, time: time,
            logger: Logger(label: "test"))
    }

    /// The error `authenticate` throws, or nil when it accepted the request.
    func refusal(_ request: IncomingRequest, by authenticator: RequestAuthenticator) async -> APIError? {
        do {
            _ = try await authenticator.authenticate(request)
            return nil
        } catch {
            return error
        }
    }

    /// Whether the request's nonce is recorded, as any process would find it.
    func recorded(_ request: IncomingRequest, ocid: UInt64 = 300) async throws -> Bool {
        try await stores.nonces.isRecorded(request.headers[OCHeader.nonce.lowercased()] ?? "", ocid: ocid)
    }

    @Test func aWellSignedRequestFromAPartnerIsAccepted() async throws {
        let request = mg.request(timestamp: now)
        let caller = try await authenticator().authenticate(request)
        #expect(caller.ocid == 300)
        #expect(caller.metadata.publicKey == mg.key.publicKey)
        #expect(try await recorded(request))
    }

    /// A request without one of its auth headers is not validly signed: 401, so the caller re-signs (§6.1).
    @Test(arguments: [OCHeader.id, OCHeader.timestamp, OCHeader.nonce, OCHeader.signature])
    func aMissingHeaderIs401NamingIt(header: String) async throws {
        var request = mg.request(timestamp: now)
        request = IncomingRequest(
            method: request.method, target: request.target, headers: request.headers.filter { $0.key != header.lowercased() },
            body: request.body)
        let error = await refusal(request, by: authenticator())
        #expect(error?.code == .invalidSignature)
        #expect(error?.status == 401)
        #expect(error?.details == ["header": .string(header), "problem": "missing"])
        #expect(try await !recorded(request))
    }

    @Test(arguments: [
        (OCHeader.id, "abc"), (OCHeader.id, "-300"), (OCHeader.id, "3.0"), (OCHeader.id, String(repeating: "9", count: 25)),
        (OCHeader.timestamp, "soon"), (OCHeader.timestamp, "1.8e9"), (OCHeader.timestamp, "-5"),
        (OCHeader.nonce, String(repeating: "n", count: 129)), (OCHeader.nonce, "tab\there"), (OCHeader.nonce, "café"),
        (OCHeader.signature, "zz"), (OCHeader.signature, String(repeating: "0", count: 130)),
    ])
    func aMalformedHeaderIs401NamingIt(header: String, value: String) async throws {
        var headers = mg.request(timestamp: now).headers
        headers[header.lowercased()] = value
        let request = IncomingRequest(method: "POST", target: "/checkout/create", headers: headers, body: [])
        let error = await refusal(request, by: authenticator())
        #expect(error?.code == .invalidSignature)
        #expect(error?.status == 401)
        #expect(error?.details?["header"]?.stringValue == header)
        #expect(try await !recorded(request))
    }

    @Test(arguments: [-301, 301])
    func aTimestampOutsideTheWindowIsExpired(offset: Int64) async throws {
        let error = await refusal(mg.request(timestamp: now + offset), by: authenticator())
        #expect(error?.code == .timestampExpired)
        #expect(error?.status == 401)
    }

    @Test(arguments: [-300, 300])
    func aTimestampAtTheEdgeOfTheWindowIsAccepted(offset: Int64) async throws {
        #expect(await refusal(mg.request(timestamp: now + offset), by: authenticator()) == nil)
    }

    @Test func aReplayedNonceIsRefused() async throws {
        let authenticator = authenticator()
        let request = mg.request(timestamp: now, nonce: "req_once")
        #expect(await refusal(request, by: authenticator) == nil)
        let error = await refusal(request, by: authenticator)
        #expect(error?.code == .nonceReused)
        #expect(error?.status == 401)
        // A fresh request that reuses the nonce is refused too.
        #expect(await refusal(mg.request(body: "{}", timestamp: now, nonce: "req_once"), by: authenticator)?.code == .nonceReused)
        // Another OCID may use the same nonce.
        let open = self.authenticator(open: true)
        #expect(await refusal(stranger.request(timestamp: now, nonce: "req_once"), by: open) == nil)
    }

    @Test func aNonceRecordedByAnotherProcessIsRefusedThroughTheDatabase() async throws {
        let request = mg.request(timestamp: now, nonce: "req_shared")
        #expect(await refusal(request, by: authenticator()) == nil)
        // A second acceptor: its own memory front, the same database.
        let other = authenticator(nonces: try anotherProcess().nonces)
        #expect(await refusal(request, by: other)?.code == .nonceReused)
    }

    @Test func theNonceOfABadlySignedRequestIsNotRecorded() async throws {
        let authenticator = authenticator()
        let forged = mg.request(timestamp: now, nonce: "req_victim", signer: .generate())
        let error = await refusal(forged, by: authenticator)
        #expect(error?.code == .invalidSignature)
        #expect(error?.status == 401)
        #expect(try await !recorded(forged))
        #expect(await refusal(mg.request(timestamp: now, nonce: "req_victim"), by: authenticator) == nil)
    }

    @Test func aChangedBodyFailsTheSignature() async throws {
        let request = mg.request(body: #"{"amount":"1.00"}"#, timestamp: now)
        let tampered = IncomingRequest(
            method: request.method, target: request.target, headers: request.headers, body: Array(#"{"amount":"9.00"}"#.utf8))
        #expect(await refusal(tampered, by: authenticator())?.code == .invalidSignature)
    }

    @Test func anUnknownCallerIs401WhenPartnersAreClosed() async throws {
        let error = await refusal(stranger.request(timestamp: now), by: authenticator())
        #expect(error?.code == .unknownOCID)
        #expect(error?.status == 401)
    }

    @Test func aDisabledPartnerIs403() async throws {
        try await stores.partners.setStatus(.disabled, for: 300)
        for open in [false, true] {
            let error = await refusal(mg.request(timestamp: now), by: authenticator(open: open))
            #expect(error?.code == .connectionRefused)
            #expect(error?.status == 403)
        }
        try await stores.partners.setStatus(.enabled, for: 300)
        #expect(await refusal(mg.request(timestamp: now), by: authenticator()) == nil)
    }

    @Test func disablingAPartnerReachesARunningAuthenticatorWithinTheRefreshInterval() async throws {
        let authenticator = authenticator()
        #expect(await refusal(mg.request(timestamp: now), by: authenticator) == nil)
        try await stores.partners.setStatus(.disabled, for: 300)
        time.advance(by: .seconds(2))
        #expect(await refusal(mg.request(timestamp: now), by: authenticator)?.code == .connectionRefused)
    }

    @Test func openModeAdmitsAnyResolvableCaller() async throws {
        #expect(await refusal(stranger.request(timestamp: now), by: authenticator(open: true)) == nil)
        let unresolvable = TestPeer(ocid: 999)
        let error = await refusal(unresolvable.request(timestamp: now), by: authenticator(open: true))
        #expect(error?.code == .unknownOCID)
    }

    @Test func signedPathVariantsAreAccepted() async throws {
        let target = "/ocgate/checkout/create?trace=1"
        let authenticator = authenticator(basePath: "/ocgate")
        for signed in [target, "/ocgate/checkout/create", "/checkout/create?trace=1", "/checkout/create"] {
            #expect(await refusal(mg.request(target: target, signedPath: signed, timestamp: now), by: authenticator) == nil)
        }
        for wrong in ["/ocgate/capabilities", "/checkout/create/", "ocgate/checkout/create"] {
            let error = await refusal(mg.request(target: target, signedPath: wrong, timestamp: now), by: authenticator)
            #expect(error?.code == .invalidSignature)
        }
        // Behind a proxy that strips the prefix: a full-path signature still verifies, and so does a relative one.
        for signed in ["/ocgate/checkout/create?trace=1", "/ocgate/checkout/create", "/checkout/create?trace=1", "/checkout/create"] {
            let stripped = mg.request(target: "/checkout/create?trace=1", signedPath: signed, timestamp: now)
            #expect(await refusal(stripped, by: authenticator) == nil, "signed over \(signed)")
        }
        let elsewhere = mg.request(target: "/checkout/create", signedPath: "/other/checkout/create", timestamp: now)
        #expect(await refusal(elsewhere, by: authenticator)?.code == .invalidSignature)
        // Without a base path, the base-relative form is not tried.
        let error = await refusal(
            mg.request(target: target, signedPath: "/checkout/create", timestamp: now), by: self.authenticator())
        #expect(error?.code == .invalidSignature)
    }

    @Test func aRotatedKeysPreviousKeyVerifiesOldSignatures() async throws {
        let old = PrivateKey.generate()
        let url = try await MetadataServer.shared.publish(uniqueName(), body: mg.nested(previousKey: old.publicKey))
        let directory = MetadataDirectory(
            resolver: RegistryResolver(entries: [300: url]), client: loopbackClient, documents: nil, time: time,
            logger: Logger(label: "test"))
        let authenticator = authenticator(directory: directory)
        #expect(await refusal(mg.request(timestamp: now, signer: old), by: authenticator) == nil)
        #expect(await refusal(mg.request(timestamp: now), by: authenticator) == nil)
        #expect(await refusal(mg.request(timestamp: now, signer: .generate()), by: authenticator)?.code == .invalidSignature)
    }

    @Test func theNonceIsClaimedWithTheSessionItCreates() async throws {
        let authenticator = authenticator()
        let request = mg.request(timestamp: now, nonce: "req_tx")
        let verified = try await authenticator.verify(request)
        #expect(try await !recorded(request), "verifying records nothing")
        let first = try await stores.sessions.create(session(), nonce: verified.nonceClaim, job: NewJob(kind: "test"))
        guard case .created = first else { Issue.record("expected a new session, got \(first)"); return }
        #expect(try await recorded(request))
        // The same nonce under another request (another process, so its memory cannot refuse it first): refused, and
        // its session is not written.
        let replay = try await anotherProcess().sessions.create(session(), nonce: verified.nonceClaim, job: NewJob(kind: "test"))
        guard case .nonceReused = replay else { Issue.record("expected the nonce refused, got \(replay)"); return }
        #expect(try await stores.sessions.count() == 1)
    }

    private func session() -> CheckoutSessionRecord {
        let id = SessionID.generate()
        return CheckoutSessionRecord(
            id: id, mgOCID: 300, merchantOCID: 500, orderID: "ord_" + id, orderJSON: "{}", orderSignature: "",
            requestDigest: id, amount: "1.00", currency: "USD", successURL: "https://m.example/ok",
            cancelURL: "https://m.example/no", status: "pending", createdAt: time.now(), expiresAt: now + 600)
    }

    @Test func pruneDeletesNoncesOlderThan600Seconds() async throws {
        let nonces = stores.nonces
        try await nonces.record("req_a", ocid: 300)
        time.advance(by: .seconds(300))
        try await nonces.record("req_b", ocid: 300)
        time.advance(by: .seconds(301))
        #expect(try await nonces.prune() == 1)
        #expect(try await !nonces.isRecorded("req_a", ocid: 300))
        #expect(try await nonces.isRecorded("req_b", ocid: 300))
        // Past retention, a new process (empty memory front) accepts a nonce whose row is still there.
        time.advance(by: .seconds(300))
        try await anotherProcess().nonces.record("req_b", ocid: 300)
    }
}
