import Foundation
import GatewayStore
import GatewayTestSupport
@testable import GatewayStoreSQLite
import Testing

@Suite struct RetryTests {
    let policy = RetryPolicy(
        schedule: [.seconds(10), .seconds(30), .seconds(120)], jitter: 0.2, maxAttempts: 4)

    /// Claims the job, fails it through the policy, and returns the transition that was stored.
    func failOnce(_ queue: SQLiteJobQueue, _ time: ManualTime, outcome: JobOutcome = .retry(error: "503", httpStatus: 503))
        async throws -> JobTransition
    {
        let job = try #require(try await queue.claim(kinds: ["d"], limit: 1, worker: "w", lease: .seconds(30)).first)
        let transition = policy.transition(after: outcome, of: job, now: time.now())
        #expect(try await queue.finish(job, transition))
        return transition
    }

    @Test func retriesFollowTheScheduleWithinJitterThenDie() async throws {
        let time = ManualTime()
        let queue = try Scratch().queue(time: time)
        let id = try await queue.enqueue(NewJob(kind: "d")).id
        // The last entry repeats: failures 1…3 wait 10 s, 30 s, 120 s; the 4th attempt is the last.
        for expected in [10.0, 30.0, 120.0] {
            let transition = try await failOnce(queue, time)
            guard case let .retry(at, _) = transition else {
                Issue.record("expected a retry, got \(transition)")
                return
            }
            let delay = at.timeIntervalSince(time.now())
            #expect(delay >= expected * 0.8 - 0.001 && delay <= expected * 1.2 + 0.001)
            #expect(try await queue.show(id: id)?.job.runAt == Date(timeIntervalSince1970: (at.timeIntervalSince1970 * 1000).rounded() / 1000))
            #expect(try await queue.claim(kinds: ["d"], limit: 1, worker: "early", lease: .seconds(30)).isEmpty)
            time.set(at)
        }
        let last = try await failOnce(queue, time)
        guard case .dead = last else {
            Issue.record("expected dead after the 4th attempt, got \(last)")
            return
        }
        let detail = try #require(try await queue.show(id: id))
        #expect(detail.job.state == .dead)
        #expect(detail.attempts.map(\.outcome) == [.retry, .retry, .retry, .dead])
        #expect(detail.attempts.allSatisfy { $0.httpStatus == 503 })
        #expect(detail.attempts.dropLast().allSatisfy { $0.nextRunAt != nil })
    }

    @Test func operatorRetryRevivesTheDeadJobWithHistoryAndAFreshBudget() async throws {
        let time = ManualTime()
        let queue = try Scratch().queue(time: time)
        let id = try await queue.enqueue(NewJob(kind: "d")).id
        _ = try await failOnce(queue, time, outcome: .dead(error: "403 forbidden", httpStatus: 403))
        #expect(try await queue.show(id: id)?.job.state == .dead)

        try await queue.retry(id: id)
        let revived = try #require(try await queue.claim(kinds: ["d"], limit: 1, worker: "w", lease: .seconds(30)).first)
        #expect(revived.attempt == 2)
        #expect(revived.budgetAttempt == 1)
        let transition = policy.transition(after: .retry(error: "timeout"), of: revived, now: time.now())
        guard case .retry = transition else {
            Issue.record("a revived job gets its schedule again, got \(transition)")
            return
        }
        #expect(try await queue.finish(revived, transition))
        let detail = try #require(try await queue.show(id: id))
        #expect(detail.attempts.map(\.attempt) == [1, 2])
        #expect(detail.attempts.map(\.outcome) == [.dead, .retry])
        await #expect(throws: QueueError.wrongState(id: id, state: .queued, request: "retry")) {
            try await queue.retry(id: id)
        }
    }

    @Test func retryAfterReplacesTheDelayAndGiveUpAgeEndsIt() async throws {
        let time = ManualTime()
        let capped = RetryPolicy(schedule: [.seconds(10)], jitter: 0, maxAttempts: nil, giveUpAfter: .seconds(100))
        let queue = try Scratch().queue(time: time)
        _ = try await queue.enqueue(NewJob(kind: "d"))
        let job = try #require(try await queue.claim(kinds: ["d"], limit: 1, worker: "w", lease: .seconds(30)).first)
        #expect(capped.transition(after: .retry(error: "429", after: .seconds(42)), of: job, now: time.now())
            == .retry(at: time.now().addingTimeInterval(42), AttemptFailure(error: "429")))
        let tooLate = capped.transition(after: .retry(error: "429", after: .seconds(101)), of: job, now: time.now())
        guard case let .dead(failure) = tooLate else {
            Issue.record("expected dead past giveUpAfter, got \(tooLate)")
            return
        }
        #expect(failure.error.contains("429"))
    }

    @Test func standardPolicyIsFiveAttemptsOnTheDocumentedSchedule() {
        let standard = RetryPolicy.standard
        #expect(standard.maxAttempts == 5)
        #expect((1...6).map(standard.baseDelay(afterFailure:))
            == [.seconds(1), .seconds(5), .seconds(30), .seconds(120), .seconds(600), .seconds(600)])
    }

    @Test func responseExcerptIsCutAt4KiBOnACharacterBoundary() {
        let failure = AttemptFailure(error: "x", responseExcerpt: String(repeating: "é", count: 3000))
        #expect(failure.responseExcerpt?.utf8.count == 4096)
        let odd = AttemptFailure(error: "x", responseExcerpt: "a" + String(repeating: "é", count: 3000))
        #expect(odd.responseExcerpt?.utf8.count == 4095)
    }
}
