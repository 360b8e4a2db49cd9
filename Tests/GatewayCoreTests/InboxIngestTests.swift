import Foundation
import GatewaySimulator
import GatewayCore
import GatewayStore
import GatewayTestSupport
import Opencharge
import Testing

/// Answers every request with 201 and the request's nonce, recording the order requests arrive in.
private final class RecordingValidator: CheckoutValidator, @unchecked Sendable {
    // Guarded by `lock`; the handler calls validate from its own task while the test reads `nonces` after.
    private let lock = NSLock()
    private var seen: [String] = []

    var nonces: [String] { lock.withLock { seen } }

    func validate(headers: [String: String], path: String, body: [UInt8]) async -> AcceptanceResult {
        let nonce = headers["X-OC-Nonce"] ?? "?"
        lock.withLock { seen.append(nonce) }
        return AcceptanceResult(status: 201, body: ["answer": .string("\(nonce):\(path):\(body.count)")])
    }
}

/// The real acceptor, with the spool's drain flag set by `ocgate jobs drain` right after the first file was judged:
/// the acceptor's cached "not draining" is then stale, and only the store's own read of the flag can stop the rest.
private struct DrainAfterFirstFile: CheckoutValidator {
    let acceptor: CheckoutAcceptor
    let queue: any JobQueue
    let judged = CallCounter()

    func validate(headers: [String: String], path: String, body: [UInt8]) async -> AcceptanceResult {
        let answer = await acceptor.validate(headers: headers, path: path, body: body)
        if judged.next() == 0 { try? await queue.setDraining(true) }
        return answer
    }
}

private struct InboxFixture {
    let spool: SpoolLayout
    let queue: any JobQueue
    let validator = RecordingValidator()
    let bodyLimit = 1_024

    init() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ocgate-inbox-\(UUID().uuidString)").path
        spool = SpoolLayout(root: root)
        try spool.create()
        queue = try TestStores.sqlite(path: spool.database, durability: .normal).jobs
    }

    func ingest(batchSize: Int = 100, validator: (any CheckoutValidator)? = nil) -> InboxIngest {
        InboxIngest(spool: spool, queue: queue, validator: validator ?? self.validator, bodyLimit: bodyLimit, batchSize: batchSize)
    }

    static func envelope(nonce: String, body: String = #"{"order":{}}"#) -> String {
        let headers: JSONValue = [
            "X-OC-ID": "500", "X-OC-Timestamp": "1706500000", "X-OC-Nonce": .string(nonce), "X-OC-Signature": "ab",
        ]
        return CanonicalJSON.string(["headers": headers, "path": "/checkout/create", "body": .string(body)])
    }

    func drop(_ name: String, _ contents: String) throws {
        // Maildir rule: written in tmp/, renamed into new/.
        let temporary = spool.inboxTemporary + "/" + name
        try Data(contents.utf8).write(to: URL(fileURLWithPath: temporary))
        try FileManager.default.moveItem(atPath: temporary, toPath: spool.inboxNew + "/" + name)
    }

    func files(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
}

struct InboxIngestTests {
    @Test func validEnvelopeIsAnsweredInTheOutboxAndRemovedFromNew() async throws {
        let inbox = try InboxFixture()
        try inbox.drop("0001.json", InboxFixture.envelope(nonce: "n1", body: "hello"))
        let report = await inbox.ingest().ingestBatch()
        #expect((report.answered, report.rejected, report.failures) == (1, 0, []))
        #expect(try inbox.text(inbox.spool.outbox + "/0001.json") == #"{"answer":"n1:/checkout/create:5"}"#)
        #expect(try inbox.files(inbox.spool.inboxNew).isEmpty)
        #expect(try inbox.files(inbox.spool.outbox) == ["0001.json"])
    }

    @Test func theAcceptorJudgesInboxFilesLikeHTTPRequests() async throws {
        let inbox = try InboxFixture()
        let checkout = try CheckoutFixture()
        let order = checkout.order(id: "ord_from_file")
        let body = checkout.gateway.checkoutBody(order: order, signature: checkout.merchant.sign(order), merchantOcid: 500)
        let headers = checkout.gateway.sign(path: "/checkout/create", body: body, at: checkout.time.now())
        let envelope: JSONValue = [
            "headers": .object(JSONObject(headers.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            "path": "/checkout/create", "body": .string(String(decoding: body, as: UTF8.self)),
        ]
        try inbox.drop("a", CanonicalJSON.string(envelope))
        try inbox.drop("b", InboxFixture.envelope(nonce: "n2", body: #"{"order":5}"#))
        _ = await inbox.ingest(validator: checkout.acceptor).ingestBatch()
        let accepted = try CheckoutCreateResponse(json: try JSONParser.parse(inbox.text(inbox.spool.outbox + "/a")))
        #expect(try await checkout.sessions.session(id: accepted.sessionID)?.orderID == "ord_from_file")
        // The second file's request is not authentic (signature "ab"): refused before its body is even read.
        let refused = try JSONParser.parse(inbox.text(inbox.spool.outbox + "/b"))
        #expect(refused["error"]?["code"]?.stringValue == "INVALID_SIGNATURE")
        // Re-ingesting the answered request (a replay of the same file) cannot make a second session.
        try inbox.drop("c", CanonicalJSON.string(envelope))
        _ = await inbox.ingest(validator: checkout.acceptor).ingestBatch()
        let replay = try JSONParser.parse(inbox.text(inbox.spool.outbox + "/c"))
        #expect(replay["error"]?["code"]?.stringValue == "NONCE_REUSED")
        #expect(try await checkout.sessions.count() == 1)
    }

    @Test func aCrashBetweenOutboxWriteAndInputRemovalLeavesExactlyOneResult() async throws {
        let inbox = try InboxFixture()
        try inbox.drop("0001.json", InboxFixture.envelope(nonce: "n1"))
        // The state a crash after the rename into outbox/ leaves: the answer and the input both present.
        try Data("first answer".utf8).write(to: URL(fileURLWithPath: inbox.spool.outbox + "/0001.json"))
        let report = await inbox.ingest().ingestBatch()
        #expect(report.answered == 1)
        #expect(try inbox.files(inbox.spool.outbox) == ["0001.json"])
        #expect(try inbox.text(inbox.spool.outbox + "/0001.json") == "first answer")
        #expect(try inbox.files(inbox.spool.inboxNew).isEmpty)
        #expect(inbox.validator.nonces.isEmpty)
    }

    @Test(arguments: [
        ("garbage", "\u{1}\u{2}not json at all", "not JSON"),
        ("empty", "", "empty file"),
        ("truncated", String(InboxFixture.envelope(nonce: "n").dropLast(9)), "not JSON"),
        ("not-an-envelope", #"{"path":"/checkout/create","body":"{}"}"#, "\"headers\" is missing"),
        ("no-nonce", #"{"headers":{"X-OC-ID":"1","X-OC-Timestamp":"1","X-OC-Signature":"a"},"path":"/p","body":""}"#,
         "header X-OC-Nonce is missing"),
        ("huge", InboxFixture.envelope(nonce: "n", body: String(repeating: "x", count: 1_025)), "over the 1024-byte http.body_limit"),
        ("enormous", String(repeating: " ", count: 1_024 * 6 + 64 * 1024 + 1), "too large"),
    ])
    func unparseableFilesMoveToRejectedWithAReason(name: String, contents: String, reason: String) async throws {
        let inbox = try InboxFixture()
        try inbox.drop(name, contents)
        let report = await inbox.ingest().ingestBatch()
        #expect((report.answered, report.rejected, report.failures) == (0, 1, []))
        #expect(try inbox.files(inbox.spool.rejected) == [name, name + ".error"])
        #expect(try inbox.text(inbox.spool.rejected + "/" + name) == contents)
        #expect(try inbox.text(inbox.spool.rejected + "/" + name + ".error").contains(reason))
        #expect(try inbox.files(inbox.spool.inboxNew).isEmpty)
        #expect(try inbox.files(inbox.spool.outbox).isEmpty)
    }

    @Test func anUnwritableOutboxLeavesTheInputInNewAndTheJobRetries() async throws {
        let inbox = try InboxFixture()
        try inbox.drop("0001.json", InboxFixture.envelope(nonce: "n1"))
        // chmod does not stop root, so the outbox is made a regular file to force the write to fail.
        try FileManager.default.removeItem(atPath: inbox.spool.outbox)
        try Data("in the way".utf8).write(to: URL(fileURLWithPath: inbox.spool.outbox))
        let report = await inbox.ingest().ingestBatch()
        #expect(report.answered == 0)
        #expect(report.failures.count == 1)
        #expect(try inbox.files(inbox.spool.inboxNew) == ["0001.json"])
        #expect(try inbox.files(inbox.spool.rejected).isEmpty)

        let outcome = await inbox.ingest().run(try await claimedIngestJob(inbox.queue))
        guard case .retry(let failure, _) = outcome else {
            Issue.record("expected a retry, got \(outcome)")
            return
        }
        #expect(failure.error.contains("0001.json"))
        #expect(try inbox.files(inbox.spool.inboxNew) == ["0001.json"])
    }

    @Test func filesAreTakenInNameOrderInBoundedBatches() async throws {
        let inbox = try InboxFixture()
        for nonce in ["c", "a", "e", "b", "d"] { try inbox.drop(nonce, InboxFixture.envelope(nonce: nonce)) }
        let first = await inbox.ingest(batchSize: 2).ingestBatch()
        #expect(first.answered == 2)
        #expect(inbox.validator.nonces == ["a", "b"])
        #expect(try inbox.files(inbox.spool.inboxNew) == ["c", "d", "e"])
        _ = await inbox.ingest(batchSize: 2).ingestBatch()
        _ = await inbox.ingest(batchSize: 2).ingestBatch()
        #expect(inbox.validator.nonces == ["a", "b", "c", "d", "e"])
        #expect(try inbox.files(inbox.spool.outbox) == ["a", "b", "c", "d", "e"])
    }

    @Test func aDrainingSpoolIsNotIngested() async throws {
        let inbox = try InboxFixture()
        try inbox.drop("0001.json", InboxFixture.envelope(nonce: "n1"))
        try await inbox.queue.setDraining(true)
        let outcome = await inbox.ingest().run(try await claimedIngestJob(inbox.queue))
        #expect(outcome == .succeeded(note: "spool draining; inbox not ingested"))
        #expect(try inbox.files(inbox.spool.inboxNew) == ["0001.json"])
        try await inbox.queue.setDraining(false)
        let resumed = await inbox.ingest().run(try await claimedIngestJob(inbox.queue))
        #expect(resumed == .succeeded(note: "answered 1, rejected 0"))
        #expect(try inbox.files(inbox.spool.inboxNew).isEmpty)
    }

    @Test func aDrainStartedDuringABatchLeavesTheRestUnansweredInNew() async throws {
        let inbox = try InboxFixture()
        let checkout = try CheckoutFixture()
        for name in ["a", "b", "c"] {
            let order = checkout.order(id: "ord_\(name)")
            let body = checkout.gateway.checkoutBody(order: order, signature: checkout.merchant.sign(order), merchantOcid: 500)
            let headers = checkout.gateway.sign(path: "/checkout/create", body: body, at: checkout.time.now())
            let envelope: JSONValue = [
                "headers": .object(JSONObject(headers.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
                "path": "/checkout/create", "body": .string(String(decoding: body, as: UTF8.self)),
            ]
            try inbox.drop(name, CanonicalJSON.string(envelope))
        }
        let validator = DrainAfterFirstFile(acceptor: checkout.acceptor, queue: checkout.queue)

        let report = await inbox.ingest(validator: validator).ingestBatch()

        #expect(report.stoppedForDrain)
        #expect((report.answered, report.rejected, report.failures) == (1, 0, []))
        #expect(try inbox.files(inbox.spool.outbox) == ["a"])
        #expect(try inbox.files(inbox.spool.inboxNew) == ["b", "c"])
        #expect(try await checkout.sessions.count() == 1)
        #expect(validator.judged.value == 2, "the batch stops at the first file refused for draining")
    }

    private func claimedIngestJob(_ queue: any JobQueue) async throws -> ClaimedJob {
        _ = try await queue.enqueue(NewJob(kind: InboxIngest.kind))
        let claimed = try await queue.claim(kinds: [InboxIngest.kind], limit: 1, worker: "test", lease: .seconds(30))
        return try #require(claimed.first)
    }
}
