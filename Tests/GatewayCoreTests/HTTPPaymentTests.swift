import Foundation
import GatewayCore
import GatewayOutbound
import GatewaySimulator
import GatewayTestSupport
import GatewayStore
import Logging
import Opencharge
import Testing

/// The fixture's session, a simulated processor on loopback, and the `http` backend between them.
private struct HTTPPaymentRig {
    static let secretValue = "Bearer sk_test_5up3r-53cr3t"
    static let authHeader = "Authorization: \(secretValue)"

    let fixture: PaymentFixture
    let processor: SimulatedProcessor
    let logs = RecordedLogs()
    let client = OutboundClient(policy: OutboundPolicy(allowLoopback: true), logger: Logger(label: "test.outbound"))

    init() async throws {
        fixture = try await PaymentFixture()
        processor = try await SimulatedProcessor.start(authHeader: ("Authorization", Self.secretValue))
    }

    func backend(authHeader: String = Self.authHeader) -> HTTPPaymentBackend {
        HTTPPaymentBackend(
            sessions: fixture.sessions, charges: fixture.charges,
            processor: ProcessorSettings(startURL: processor.startURL, statusURL: processor.statusURL, authHeader: authHeader),
            client: client, time: fixture.time, logger: logs.logger)
    }

    func start() async throws -> String {
        let start = try await backend().startCharge(for: fixture.session, choice: HTTPPaymentBackend.payChoice)
        guard case .pending(let reference) = start else { throw FixtureProblem("expected a pending charge, got \(start)") }
        return reference
    }

    /// Runs the due `payment.poll` once as a worker would, records the attempt, and moves past its backoff.
    @discardableResult
    func poll(with backend: HTTPPaymentBackend? = nil) async throws -> JobOutcome {
        let job = try await fixture.claim(PaymentPolling.kind)
        let outcome = await PaymentPolling(
            sessions: fixture.sessions, charges: fixture.charges, backend: backend ?? self.backend(), time: fixture.time, logger: logs.logger
        ).run(job)
        _ = try await fixture.queue.finish(
            job, PaymentPolling.retryPolicy.transition(after: outcome, of: job, now: fixture.time.now()))
        fixture.time.advance(by: .seconds(120))
        return outcome
    }

    /// The attempt log of the session's `payment.poll` job, as `ocgate jobs show` reads it.
    func pollAttempts() async throws -> [JobAttempt] {
        let job = try #require(try await fixture.jobs(PaymentPolling.kind).first)
        return try #require(try await fixture.queue.show(id: job.id)).attempts
    }

    func charge(_ reference: String) async throws -> ChargeRecord {
        try #require(try await fixture.charges.charge(reference: reference))
    }
}

private func isRetry(_ outcome: JobOutcome) -> Bool {
    if case .retry = outcome { return true }
    return false
}

private func isSuccess(_ outcome: JobOutcome) -> Bool {
    if case .succeeded = outcome { return true }
    return false
}

struct HTTPPaymentTests {
    @Test func aStartedChargeIsProcessingAndPollsToSuccessThenQueuesItsProof() async throws {
        let rig = try await HTTPPaymentRig()
        defer { rig.processor.stop() }
        rig.processor.script(.succeed(afterPolls: 1))

        let reference = try await rig.start()
        #expect(reference.hasPrefix("htp_"))
        #expect(try await rig.fixture.status() == "processing")
        let polls = try await rig.fixture.jobs(PaymentPolling.kind)
        #expect(polls.count == 1)
        #expect(polls.first.map { $0.runAt <= rig.fixture.time.now() } == true)
        let started = try #require(rig.processor.acceptedStarts.first)
        #expect(rig.processor.acceptedStarts.count == 1)
        #expect(started.body["reference"] == .string(reference))
        #expect(started.body["session"] == .string(rig.fixture.session.id))
        #expect(started.body["order"] == "ord_1")
        #expect(started.body["amount"] == "10.00")
        #expect(started.body["currency"] == "USD")
        #expect(try await rig.charge(reference).processorID == started.id)

        #expect(isRetry(try await rig.poll()))
        #expect(try await rig.fixture.jobs(ProofIssuer.kind).isEmpty)
        #expect(isSuccess(try await rig.poll()))
        #expect(rig.processor.polls(of: started.id) == 2)
        #expect(try await rig.charge(reference).state == .succeeded)
        let proofJobs = try await rig.fixture.jobs(ProofIssuer.kind)
        #expect(proofJobs.count == 1)
        let payload = try JSONParser.parse(Array(try #require(proofJobs.first).payload))
        #expect(payload["charge"] == .string(reference))
        #expect(payload["session"] == .string(rig.fixture.session.id))
    }

    @Test func aFailedChargePutsTheSessionBackToPendingAndPayable() async throws {
        let rig = try await HTTPPaymentRig()
        defer { rig.processor.stop() }
        rig.processor.script(.fail(afterPolls: 1))

        let first = try await rig.start()
        #expect(isRetry(try await rig.poll()))
        #expect(isSuccess(try await rig.poll()))
        #expect(try await rig.fixture.status() == "pending")
        #expect(try await rig.charge(first).state == .failed)
        #expect(try await rig.fixture.jobs(ProofIssuer.kind).isEmpty)

        rig.processor.script(.succeed(afterPolls: 0))
        let second = try await rig.start()
        #expect(second != first)
        #expect(try await rig.fixture.status() == "processing")
    }

    @Test func aChargeTheProcessorFailsAtOnceIsDeclinedOnThePage() async throws {
        let rig = try await HTTPPaymentRig()
        defer { rig.processor.stop() }
        rig.processor.script(.fail(afterPolls: 0))

        let start = try await rig.backend().startCharge(for: rig.fixture.session, choice: HTTPPaymentBackend.payChoice)
        #expect(start == .declined(reason: HTTPPaymentBackend.declineReason))
        #expect(try await rig.fixture.status() == "pending")
        #expect(try await rig.fixture.charges.charges(sessionID: rig.fixture.session.id).map(\.state) == [.failed])
    }

    @Test func aWrongAuthHeaderFailsTheChargeWithAClearError() async throws {
        let rig = try await HTTPPaymentRig()
        defer { rig.processor.stop() }

        let wrong = rig.backend(authHeader: "Authorization: Bearer wrong")
        let start = try await wrong.startCharge(for: rig.fixture.session, choice: HTTPPaymentBackend.payChoice)
        #expect(start == .declined(reason: HTTPPaymentBackend.declineReason))
        #expect(try await rig.fixture.status() == "pending")
        #expect(rig.processor.acceptedStarts.isEmpty)
        let errors = rig.logs.messages(at: .error)
        #expect(errors.count == 1)
        #expect(errors.first?.contains("refused our credentials (HTTP 401); check payment.http_auth_header") == true)

        // The declined charge's own poll finds it failed and ends without touching the session.
        #expect(isSuccess(try await rig.poll()))
        #expect(try await rig.fixture.status() == "pending")

        // A charge started with the right header and then polled with a wrong one fails the same way.
        _ = try await rig.start()
        #expect(isSuccess(try await rig.poll(with: wrong)))
        #expect(try await rig.fixture.status() == "pending")
        #expect(rig.logs.messages(at: .error).count == 2)
    }

    @Test func aProcessorAnswering503IsAskedAgainUntilItAnswers() async throws {
        let rig = try await HTTPPaymentRig()
        defer { rig.processor.stop() }
        rig.processor.failNext(2)

        // The start got a 503: the session is still claimed and the poll starts the charge again.
        let reference = try await rig.start()
        #expect(try await rig.fixture.status() == "processing")
        #expect(try await rig.charge(reference).processorID == nil)
        #expect(isRetry(try await rig.poll()))
        #expect(isRetry(try await rig.poll()))
        #expect(try await rig.charge(reference).processorID == rig.processor.acceptedStarts.first?.id)
        #expect(isSuccess(try await rig.poll()))
        #expect(rig.processor.acceptedStarts.count == 1)
        #expect(try await rig.fixture.jobs(ProofIssuer.kind).count == 1)
        let attempts = try await rig.pollAttempts()
        #expect(attempts.map(\.outcome) == [.retry, .retry, .succeeded])
        #expect(attempts.first?.error?.contains("HTTP 503") == true)
    }

    @Test func theAuthHeaderNeverAppearsInJobAttemptsOrLogs() async throws {
        let rig = try await HTTPPaymentRig()
        defer { rig.processor.stop() }
        rig.processor.failNext(3)

        let reference = try await rig.start()
        for _ in 0..<4 { try await rig.poll() }
        #expect(try await rig.charge(reference).state == .succeeded)
        // The processor got the header as configured, and echoed it in its 503s.
        #expect(rig.processor.receivedAuth.allSatisfy { $0 == HTTPPaymentRig.secretValue })

        let attempts = try await rig.pollAttempts()
        #expect(attempts.count == 4)
        #expect(attempts.prefix(2).allSatisfy { $0.error?.contains("HTTP 503") == true && $0.error?.contains("[redacted]") == true })
        let stored = attempts.flatMap { [$0.error, $0.note, $0.responseExcerpt].compactMap { $0 } }
        let logged = [Logger.Level.trace, .debug, .info, .notice, .warning, .error, .critical].flatMap(rig.logs.messages(at:))
        #expect(!logged.isEmpty)
        for text in stored + logged {
            #expect(!text.contains("sk_test_5up3r-53cr3t"), "\(text)")
        }
        let jobs = try await rig.fixture.queue.list(JobFilter())
        #expect(jobs.allSatisfy { !String(decoding: $0.payload, as: UTF8.self).contains("sk_test") })
        #expect(!ProcessorSettings(startURL: nil, statusURL: nil, authHeader: HTTPPaymentRig.authHeader).description.contains("sk_test"))
    }

    @Test func pollingStopsWhenTheSessionExpiresAndALaterSuccessIsStillHonoured() async throws {
        let rig = try await HTTPPaymentRig()
        defer { rig.processor.stop() }
        rig.processor.script(.succeed(afterPolls: 1))

        let reference = try await rig.start()
        rig.fixture.time.advance(by: .seconds(1800))
        let outcome = try await rig.poll()
        #expect(outcome == .dead(error: "charge \(reference) still pending when session \(rig.fixture.session.id) expired; polling stopped"))
        #expect(try await rig.fixture.jobs(ProofIssuer.kind).isEmpty)

        // An operator's retry polls once more; the processor has taken the money by now, so the proof is owed.
        let job = try #require(try await rig.fixture.jobs(PaymentPolling.kind).first)
        try await rig.fixture.queue.retry(id: job.id)
        #expect(isSuccess(try await rig.poll()))
        #expect(try await rig.charge(reference).state == .succeeded)
        #expect(try await rig.fixture.jobs(ProofIssuer.kind).count == 1)
    }

    @Test func aDoubleClickStartsOneChargeAtTheProcessor() async throws {
        let rig = try await HTTPPaymentRig()
        defer { rig.processor.stop() }
        let backend = rig.backend()
        let session = rig.fixture.session

        async let first = backend.startCharge(for: session, choice: HTTPPaymentBackend.payChoice)
        async let second = backend.startCharge(for: session, choice: HTTPPaymentBackend.payChoice)
        let starts = try await [first, second]
        #expect(starts.filter { if case .pending = $0 { true } else { false } }.count == 1)
        #expect(starts.filter { if case .notPayable = $0 { true } else { false } }.count == 1)
        #expect(rig.processor.acceptedStarts.count == 1)
    }
}
