import Foundation
import GatewaySimulator
import GatewayConfig
import GatewayCore
import GatewayStore
import GatewayTestSupport
import Logging
import Opencharge
import Testing

/// Delivery through the worker runtime to a simulated MG that verifies everything a real one would.
@Suite(.serialized)
struct DeliveryTests {
    @Test func aPaidSessionsProofReachesTheMGAndIsAccepted() async throws {
        let rig = try await DeliveryRig()
        let session = try await rig.paidSession()
        try await rig.running {
            try await expectEventually { try await rig.deliveryState(of: session) == .accepted }
        }
        let proof = try #require(try await rig.fixture.proofs.proof(sessionID: session.id))
        #expect(rig.webhook.acceptedBodies == [proof.txid: proof.webhookBody])
        #expect(rig.webhook.requests.map(\.status) == [200])
        #expect(proof.deliveredAt == rig.fixture.time.now())
        let delivery = try #require(try await rig.delivery(of: session))
        #expect(delivery.job.state == .succeeded)
        #expect(delivery.attempts.map(\.note) == ["accepted by MG 300 (HTTP 200)"])
        #expect(rig.fixture.logs.messages(at: .warning).isEmpty, "the MG's signed response verifies")
    }

    @Test func theBenchMGStubAnswersAtOnceAndItsLaterChecksCatchAWrongProof() async throws {
        let rig = try await DeliveryRig(mgChecking: .afterwards)
        let good = try await rig.paidSession()
        let wrong = try await rig.paidSession()
        // The MG waits for another amount than the order's: a real MG would refuse this proof.
        rig.webhook.expect(orderID: wrong.orderID, merchantOCID: wrong.merchantOCID, amount: "41.99", currency: "USD")
        try await rig.running {
            try await expectEventually { try await rig.deliveryState(of: good) == .accepted }
            try await expectEventually { try await rig.deliveryState(of: wrong) == .accepted }
        }
        #expect(rig.webhook.requests.map(\.status) == [200, 200])
        // The stub answers as an MG does after hosted checkout (§6.1 (a)), one signed reply a second.
        #expect(rig.fixture.logs.messages(at: .warning).isEmpty, "both signed replies verify")
        let failures = rig.webhook.checkDeferred()
        #expect(failures.count == 1)
        #expect(failures.first?.hasPrefix("AMOUNT_MISMATCH: amount 42.00 != 41.99") == true)
    }

    @Test func anMGsRetryAfterSetsTheNextAttempt() async throws {
        let rig = try await DeliveryRig()
        rig.webhook.inject(.unavailable(times: 1, retryAfter: "45"))
        let session = try await rig.paidSession()
        try await rig.running {
            try await expectEventually { try await rig.delivery(of: session)?.attempts.count == 1 }
            let waiting = try #require(try await rig.delivery(of: session))
            #expect(waiting.job.state == .queued)
            #expect(waiting.job.runAt == rig.fixture.time.now().addingTimeInterval(45), "Retry-After replaces the 10 s schedule")
            rig.fixture.time.advance(by: .seconds(45))
            try await expectEventually { try await rig.deliveryState(of: session) == .accepted }
        }
    }

    @Test func threeUnavailableAnswersThenAcceptanceSendTheSameProofWithFreshHeaders() async throws {
        var settings = DeliveryRig.settings
        settings.breakerThreshold = 10
        let rig = try await DeliveryRig(settings: settings)
        rig.webhook.inject(.unavailable(times: 3))
        let session = try await rig.paidSession()
        try await rig.running {
            try await rig.stepThroughFailedAttempts(3, of: session)
            try await expectEventually { try await rig.deliveryState(of: session) == .accepted }
        }
        let requests = rig.webhook.requests
        #expect(requests.map(\.status) == [503, 503, 503, 200])
        #expect(Set(requests.map(\.body)).count == 1, "the proof and its signature are identical on every attempt")
        #expect(Set(requests.map(\.nonce)).count == 4, "every attempt is signed afresh")
        #expect(Set(requests.map(\.timestamp)).count == 4)
        let attempts = try #require(try await rig.delivery(of: session)).attempts
        #expect(attempts.map(\.httpStatus) == [503, 503, 503, nil])
        #expect(attempts.first?.responseExcerpt?.contains("temporarily unavailable") == true)
        #expect(try await rig.fixture.deliveries.breaker(mgOCID: 300)?.consecutiveFailures == 0, "an answer closes the breaker")
        #expect(rig.deliveries("retry") == 3)
        #expect(rig.deliveries("accepted") == 1)
    }

    @Test func anMGDownLongerThanTheGiveUpAgeEndsDeadWithTheProofKeptForAReplay() async throws {
        var settings = DeliveryRig.settings
        settings.giveUpAfter = .seconds(35)
        settings.breakerThreshold = 100
        let rig = try await DeliveryRig(settings: settings)
        rig.webhook.inject(.unavailable(times: 1_000))
        let session = try await rig.paidSession()
        try await rig.running {
            // Attempts at 0, 10, 20 and 30 s fail; the next would come after the 35 s give-up age.
            try await rig.stepThroughFailedAttempts(3, of: session)
            try await expectEventually { try await rig.delivery(of: session)?.job.state == .dead }
            #expect(rig.webhook.requests.count == 4)
            #expect(try await rig.deliveryState(of: session) == .dead)
            #expect(try await rig.fixture.deliveries.breaker(mgOCID: 300)?.consecutiveFailures == 4, "giving up is not an MG answer")
            // The proof is never lost: an operator replays it once the MG is back.
            rig.webhook.inject(nil)
            let job = try #require(try await rig.delivery(of: session)).job
            try await rig.fixture.runtime.stores.jobs.retry(id: job.id)
            try await expectEventually { try await rig.deliveryState(of: session) == .accepted }
        }
        let attempts = try #require(try await rig.delivery(of: session)).attempts
        #expect(attempts.map(\.httpStatus) == [503, 503, 503, 503, nil])
        #expect(attempts[3].outcome == .dead)
        #expect(rig.deliveries("retry") == 4)
        #expect(rig.deliveries("given_up") == 1)
        #expect(rig.deliveries("accepted") == 1)
    }

    /// Issue 18 item 10: connections to the MG break every way (dropped before or after the body, the answer lost
    /// after the MG took the proof, closed while idle), yet no nonce reaches the MG twice, the MG never answers
    /// `NONCE_REUSED`, and every proof arrives byte for byte as stored until the MG takes it.
    @Test func anMGWhoseConnectionsBreakNeverSeesANonceTwiceAndTakesEveryProofAsStored() async throws {
        var settings = DeliveryRig.settings
        settings.breakerThreshold = 1_000
        let breaks: [FlakyLink.Action] = [.dropBeforeBody, .dropAfterBody, .dropAnswer, .forwardThenClose]
        // The first two requests come on fresh connections and are dropped: those attempts fail and their jobs retry.
        // Then kept-alive connections break in turn, where libcurl would send the request again by itself. With
        // at most 4 deliveries in flight, 24 proofs make at least 12 requests on reused connections: every way comes.
        let alternating = FlakyLink.alternating(breaks)
        let rig = try await DeliveryRig(settings: settings) { $0.index < 2 ? breaks[$0.index] : alternating($0) }
        var sessions: [CheckoutSessionRecord] = []
        for _ in 0..<24 { sessions.append(try await rig.paidSession()) }
        try await rig.running {
            for _ in 0..<8 {
                try await expectEventually { try await rig.settled(sessions) }
                if try await rig.accepted(sessions) { break }
                rig.fixture.time.advance(by: .seconds(10))
            }
        }
        #expect(try await rig.accepted(sessions))
        let seen = try #require(rig.link).seen
        let nonces = seen.map { $0.fields["x-oc-nonce"] ?? "" }
        #expect(Set(nonces).count == nonces.count, "a nonce reached the MG twice")
        #expect(Set(breaks).isSubset(of: Set(seen.map(\.action))), "every way of breaking happened")
        #expect(rig.webhook.requests.map(\.status).filter { $0 != 200 } == [], "the MG never refused a request")
        var stored: Set<[UInt8]> = []
        for session in sessions {
            let proof = try #require(try await rig.fixture.proofs.proof(sessionID: session.id))
            #expect(rig.webhook.acceptedBodies[proof.txid] == proof.webhookBody)
            stored.insert(proof.webhookBody)
        }
        #expect(Set(seen.compactMap(\.body)).isSubset(of: stored), "every send carried a stored proof's exact bytes")
    }

    @Test func aDefinitiveRejectionIsDeadAtOnceAndAnOperatorRetryDeliversAfterTheMGHeals() async throws {
        let rig = try await DeliveryRig()
        rig.webhook.inject(.invalidProof)
        let session = try await rig.paidSession()
        try await rig.running {
            try await expectEventually { try await rig.delivery(of: session)?.job.state == .dead }
            #expect(try await rig.deliveryState(of: session) == .rejected)
            let dead = try #require(try await rig.delivery(of: session))
            #expect(dead.attempts.map(\.httpStatus) == [400])
            #expect(dead.attempts.first?.error == "MG rejected the proof: HTTP 400 INVALID_PROOF")
            #expect(rig.fixture.logs.messages(at: .error).contains("proof delivery stopped: MG rejected the proof: HTTP 400 INVALID_PROOF"))

            rig.webhook.inject(nil)
            try await rig.fixture.runtime.stores.jobs.retry(id: dead.job.id)
            try await expectEventually { try await rig.deliveryState(of: session) == .accepted }
        }
        #expect(rig.webhook.requests.map(\.status) == [400, 200])
        #expect(rig.deliveries("rejected") == 1)
        #expect(rig.deliveries("accepted") == 1)
    }

    @Test func anMGRejectingInItsBodyIsDeadAtOnce() async throws {
        let rig = try await DeliveryRig()
        rig.webhook.inject(.rejected)
        let session = try await rig.paidSession()
        try await rig.running {
            try await expectEventually { try await rig.delivery(of: session)?.job.state == .dead }
        }
        #expect(try await rig.deliveryState(of: session) == .rejected)
        #expect(rig.webhook.requests.count == 1)
    }

    @Test func anMGHangingPastTheTimeoutIsRetried() async throws {
        var settings = DeliveryRig.settings
        settings.timeout = .seconds(3)
        let rig = try await DeliveryRig(settings: settings)
        rig.webhook.inject(.hang(.seconds(6)))  // twice the 3 s timeout
        let session = try await rig.paidSession()
        try await rig.running {
            try await expectEventually { try await rig.delivery(of: session)?.attempts.count == 1 }
            let first = try #require(try await rig.delivery(of: session))
            #expect(first.job.state == .queued)
            #expect(first.attempts.first?.error?.contains("timed out") == true)
            rig.webhook.inject(nil)
            rig.fixture.time.advance(by: .seconds(10))
            try await expectEventually { try await rig.deliveryState(of: session) == .accepted }
        }
        #expect(try #require(try await rig.delivery(of: session)).attempts.count == 2)
    }

    @Test func theBreakerPausesDeliveriesToAFailingMGAndResumesAfterThePause() async throws {
        let rig = try await DeliveryRig()
        rig.webhook.inject(.unavailable(times: 1000))
        var sessions: [CheckoutSessionRecord] = []
        for _ in 0..<3 { sessions.append(try await rig.paidSession()) }
        try await rig.running {
            try await expectEventually { rig.webhook.requests.count == 3 }
            try await expectEventually { try await rig.fixture.deliveries.breaker(mgOCID: 300)?.consecutiveFailures == 3 }
            // The clock moves only once every attempt has ended: an attempt still finishing would schedule its retry
            // from the moved clock (or lose its lease to it) on a slow machine.
            try await expectEventually { try await rig.settled(sessions) }
            let breaker = try #require(try await rig.fixture.deliveries.breaker(mgOCID: 300))
            #expect(breaker.isOpen(at: rig.fixture.time.now()))
            #expect(rig.fixture.logs.messages(at: .error).contains("deliveries to MG paused after 3 consecutive failures"))

            rig.fixture.time.advance(by: .seconds(10))
            for session in sessions {
                try await expectEventually { try await rig.delivery(of: session)?.attempts.count == 2 }
                let deferred = try #require(try await rig.delivery(of: session))
                #expect(deferred.attempts.last?.error?.hasPrefix("deferred: deliveries to MG 300 are paused") == true)
                #expect(deferred.job.runAt == breaker.openUntil, "deferred to the end of the pause")
            }
            #expect(rig.webhook.requests.count == 3, "no request reaches an MG whose breaker is open")
            #expect(rig.deliveries("paused") == 3)

            rig.webhook.inject(nil)
            try await expectEventually { try await rig.settled(sessions) }
            rig.fixture.time.advance(by: .seconds(50))
            for session in sessions {
                try await expectEventually { try await rig.deliveryState(of: session) == .accepted }
            }
        }
        #expect(try await rig.fixture.deliveries.troubledBreakers().isEmpty)
    }
}
