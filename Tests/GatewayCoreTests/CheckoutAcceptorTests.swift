import Foundation
import GatewayConfig
import GatewayCore
import GatewaySimulator
import GatewayStore
import GatewayTestSupport
import Logging
import Opencharge
import Testing

/// A gateway with a simulated MG (300) and merchant (500), at a fixed time.
struct CheckoutFixture {
    let time = ManualTime(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Int64 { Int64(time.now().timeIntervalSince1970) }
    let merchant = SimulatedMerchant(party: SimulatedParty(ocid: 500, name: "Merchant", endpoint: "https://merchant.example"))
    let gateway = SimulatedMerchantGateway(party: SimulatedParty(ocid: 300, name: "MG", endpoint: "https://mg.example"))
    let stores: GatewayStores
    var queue: any JobQueue { stores.jobs }
    var sessions: any CheckoutSessionStore { stores.sessions }
    let acceptor: CheckoutAcceptor

    init(checkout: CheckoutSection = CheckoutSection(), merchantParty: SimulatedParty? = nil, rateLimit: (Double, Int)? = nil) throws {
        stores = try TestStores.sqlite(time: time)
        let peers = InlinePeerDirectory([merchantParty ?? merchant.party, gateway.party])
        let identity = GatewayIdentity(
            ocid: 200, name: "PG", key: .generate(), publicURL: "https://pg.example", currencies: ["USD", "EUR"])
        acceptor = CheckoutAcceptor(
            identity: identity, checkout: checkout, authenticator: .openGateway(peers: peers, stores: stores, time: time), peers: peers,
            sessions: stores.sessions, drain: DrainState(queue: stores.jobs, time: time),
            rateLimiter: rateLimit.map { [time] in RateLimiter(perSecond: $0.0, burst: $0.1, time: time) },
            checkoutURL: { "https://pg.example/pay/\($0)" }, time: time,
            logger: Logger(label: "test"))
    }

    func order(id: String = "ord_1", amount: String = "99.99", currency: String = "USD", accepts: [UInt64] = [300], expiresAt: Int64? = nil) -> JSONValue {
        merchant.order(id: id, amount: amount, currency: currency, accepts: accepts, createdAt: now - 10, expiresAt: expiresAt)
    }

    func submit(_ order: JSONValue, signature: String? = nil, merchantOcid: UInt64 = 500) async -> AcceptanceResult {
        let body = gateway.checkoutBody(order: order, signature: signature ?? merchant.sign(order), merchantOcid: merchantOcid)
        return await acceptor.accept(gateway.request(body: body, at: time.now()))
    }

    func submit(body: [UInt8]) async -> AcceptanceResult {
        await acceptor.accept(gateway.request(body: body, at: time.now()))
    }
}

func errorCode(_ result: AcceptanceResult) -> String? { result.body["error"]?["code"]?.stringValue }

struct CheckoutAcceptorTests {
    @Test func acceptsAndStoresTheSessionWithItsMerchantsNameAndNoJob() async throws {
        let fixture = try CheckoutFixture()
        let result = await fixture.submit(fixture.order(expiresAt: fixture.now + 600))
        #expect(result.status == 200)
        let response = try CheckoutCreateResponse(json: result.body)
        #expect(response.sessionID.hasPrefix("cs_") && response.sessionID.count == 35)
        #expect(response.checkoutURL == "https://pg.example/pay/" + response.sessionID)
        #expect(response.expiresAt == fixture.now + 600)  // the order expires before the 30 min TTL
        let session = try #require(try await fixture.sessions.session(id: response.sessionID))
        #expect(session.status == "pending")
        #expect(session.mgOCID == 300 && session.merchantOCID == 500 && session.orderID == "ord_1")
        #expect(session.amount == "99.99")
        // The name comes from the metadata that verified the order: the page needs no fetch, no job runs for it.
        #expect(session.merchantName == "Merchant")
        #expect(try await fixture.queue.list(JobFilter()).isEmpty)
    }

    @Test func expiryIsTheSessionTTLWhenTheOrderLastsLonger() async throws {
        let fixture = try CheckoutFixture()
        let response = try CheckoutCreateResponse(json: await fixture.submit(fixture.order()).body)
        #expect(response.expiresAt == fixture.now + 1800)
    }

    @Test func refusesAnOrderForAnotherMerchant() async throws {
        let fixture = try CheckoutFixture()
        let result = await fixture.submit(fixture.order(), merchantOcid: 300)
        #expect(result.status == 400)
        #expect(errorCode(result) == "INVALID_SIGNATURE")
        #expect(result.body["error"]?["message"]?.stringValue?.contains("merchantOcid") == true)
    }

    @Test func refusesABadOrderSignature() async throws {
        let fixture = try CheckoutFixture()
        let order = fixture.order()
        let forged = PrivateKey.generate().signObject(order).hex
        let result = await fixture.submit(order, signature: forged)
        #expect(result.status == 400)
        #expect(errorCode(result) == "INVALID_SIGNATURE")
        // Tampering after signing breaks it too.
        var tampered = order.objectValue!
        tampered["amount"] = "9.99"
        let tamperedResult = await fixture.submit(.object(tampered), signature: fixture.merchant.sign(order))
        #expect(errorCode(tamperedResult) == "INVALID_SIGNATURE")
        #expect(try await fixture.sessions.count() == 0)
    }

    @Test func legacySignaturesFollowTheSwitch() async throws {
        let order = try CheckoutFixture().order()
        for legacyAllowed in [true, false] {
            let fixture = try CheckoutFixture(checkout: CheckoutSection(legacyCanonical: legacyAllowed))
            let legacySignature = fixture.merchant.party.key.sign(SHA256Digest(hashing: CanonicalJSON.encodeLegacy(order))).hex
            let result = await fixture.submit(order, signature: legacySignature)
            #expect(result.status == (legacyAllowed ? 200 : 400))
        }
    }

    @Test func merchantKeyRotationAcceptsThePreviousKey() async throws {
        let oldKey = PrivateKey.generate()
        let rotated = SimulatedParty(ocid: 500, name: "Merchant", endpoint: "https://merchant.example", previousKey: oldKey.publicKey)
        let fixture = try CheckoutFixture(merchantParty: rotated)
        let order = fixture.order()
        #expect(await fixture.submit(order, signature: oldKey.signObject(order).hex).status == 200)
    }

    @Test func refusesExpiredOrdersUnsupportedCurrenciesAndForeignGateways() async throws {
        let fixture = try CheckoutFixture()
        let expired = await fixture.submit(fixture.order(id: "a", expiresAt: fixture.now - 1))
        #expect(expired.status == 400 && errorCode(expired) == "ORDER_EXPIRED")
        let currency = await fixture.submit(fixture.order(id: "b", currency: "GBP"))
        #expect(currency.status == 400 && errorCode(currency) == "CURRENCY_MISMATCH")
        let foreign = await fixture.submit(fixture.order(id: "c", accepts: [100, 101]))
        #expect(foreign.status == 400 && errorCode(foreign) == "SETTLEMENT_NOT_SUPPORTED")
        #expect(try await fixture.sessions.count() == 0)

        let lenient = try CheckoutFixture(checkout: CheckoutSection(requireGatewayInAccepts: false))
        #expect(await lenient.submit(lenient.order(id: "c", accepts: [100, 101])).status == 200)
    }

    @Test func namesTheBadFieldOfAMalformedRequest() async throws {
        let fixture = try CheckoutFixture()
        var order = fixture.order().objectValue!
        order["amount"] = "12,50"
        let result = await fixture.submit(.object(order))
        #expect(result.status == 400)
        #expect(errorCode(result) == "INVALID_REQUEST")
        #expect(result.body["error"]?["details"]?["field"] == "order.amount")
        for garbage in ["", "{", "[1,2]", "{\"order\":{}}", String(repeating: "[", count: 1000)] {
            let answer = await fixture.submit(body: Array(garbage.utf8))
            #expect(answer.status == 400 && errorCode(answer) == "INVALID_REQUEST", "\(garbage.prefix(20))")
        }
    }

    @Test func unknownMerchantIsUnknownOCID() async throws {
        let fixture = try CheckoutFixture()
        var order = fixture.order().objectValue!
        order["ocid"] = 777
        let result = await fixture.submit(.object(order), signature: fixture.merchant.sign(.object(order)), merchantOcid: 777)
        #expect(result.status == 401 && errorCode(result) == "UNKNOWN_OCID")
    }

    @Test func sameOrderTwiceIsOneSessionAndADifferentOrderIsAConflict() async throws {
        let fixture = try CheckoutFixture()
        let order = fixture.order()
        let first = try CheckoutCreateResponse(json: await fixture.submit(order).body)
        let again = try CheckoutCreateResponse(json: await fixture.submit(order).body)
        #expect(first == again)
        let changed = await fixture.submit(fixture.order(amount: "1.00"))
        #expect(changed.status == 409 && errorCode(changed) == "ORDER_CONFLICT")
        #expect(try await fixture.sessions.count() == 1)
    }

    @Test func hundredConcurrentIdenticalAndConflictingRequests() async throws {
        let fixture = try CheckoutFixture()
        let order = fixture.order(id: "ord_race")
        let identical = await withTaskGroup(of: AcceptanceResult.self) { group in
            for _ in 0..<100 { group.addTask { await fixture.submit(order) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(identical.allSatisfy { $0.status == 200 })
        #expect(Set(identical.compactMap { $0.body["session_id"]?.stringValue }).count == 1)

        let conflicting = await withTaskGroup(of: AcceptanceResult.self) { group in
            for i in 0..<100 { group.addTask { await fixture.submit(fixture.order(id: "ord_fight", amount: "\(i).00")) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(conflicting.filter { $0.status == 200 }.count == 1)
        #expect(conflicting.filter { $0.status == 409 }.count == 99)
        #expect(try await fixture.sessions.count() == 2)
    }

    @Test func drainingRefusesNewCheckouts() async throws {
        let fixture = try CheckoutFixture()
        try await fixture.queue.setDraining(true)
        let result = await fixture.submit(fixture.order())
        #expect(result.status == 503 && errorCode(result) == "DRAINING")
        #expect(result.retryAfter == 30)
        #expect(try await fixture.sessions.count() == 0)
    }

    @Test func aDrainIsExactEvenWhileTheEarlyCheckRemembersNotDraining() async throws {
        let fixture = try CheckoutFixture()
        #expect(await fixture.submit(fixture.order(id: "before")).status == 200)
        // `ocgate jobs drain` in another process, within the second the acceptor remembers "not draining".
        try await fixture.queue.setDraining(true)
        let refused = await fixture.submit(fixture.order(id: "during"))
        #expect(refused.status == 503 && errorCode(refused) == "DRAINING")
        #expect(refused.retryAfter == 30)
        #expect(try await fixture.sessions.count() == 1)
        // `ocgate jobs resume`: the next checkout is taken, however recently "draining" was seen.
        try await fixture.queue.setDraining(false)
        #expect(await fixture.submit(fixture.order(id: "after")).status == 200)
        #expect(try await fixture.sessions.count() == 2)
    }

    @Test func rateLimitPerCallerAnswers429WithRetryAfter() async throws {
        let fixture = try CheckoutFixture(rateLimit: (0.5, 3))
        for i in 0..<3 { #expect(await fixture.submit(fixture.order(id: "r\(i)")).status == 200) }
        let limited = await fixture.submit(fixture.order(id: "r3"))
        #expect(limited.status == 429 && errorCode(limited) == "RATE_LIMITED")
        #expect(limited.retryAfter == 2)
        fixture.time.advance(by: .seconds(2))
        #expect(await fixture.submit(fixture.order(id: "r3")).status == 200)
    }

    @Test func authenticatesTheMerchantGatewayAndRefusesReplays() async throws {
        let fixture = try CheckoutFixture()
        let order = fixture.order()
        let body = fixture.gateway.checkoutBody(order: order, signature: fixture.merchant.sign(order), merchantOcid: 500)
        let request = fixture.gateway.request(body: body, at: fixture.time.now())
        #expect(await fixture.acceptor.accept(request).status == 200)
        let replay = await fixture.acceptor.accept(request)
        #expect(replay.status == 401 && errorCode(replay) == "NONCE_REUSED")

        let concurrent = fixture.gateway.request(body: body, at: fixture.time.now())
        let answers = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<20 { group.addTask { await fixture.acceptor.accept(concurrent).status } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.filter { $0 == 200 }.count == 1)
        #expect(answers.filter { $0 == 401 }.count == 19)

        let stale = fixture.gateway.request(body: body, at: fixture.time.now().addingTimeInterval(-301))
        let staleAnswer = await fixture.acceptor.accept(stale)
        #expect(staleAnswer.status == 401 && errorCode(staleAnswer) == "TIMESTAMP_EXPIRED")

        var forged = request.headers
        forged["x-oc-nonce"] = "req_forged"
        let forgedAnswer = await fixture.acceptor.accept(IncomingRequest(method: "POST", target: "/checkout/create", headers: forged, body: body))
        #expect(forgedAnswer.status == 401 && errorCode(forgedAnswer) == "INVALID_SIGNATURE")
    }
}
