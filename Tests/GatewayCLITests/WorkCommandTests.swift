import Foundation
import GatewayTestSupport
import Opencharge
import Testing

struct WorkCommandTests {
    @Test func unknownKindIsAUsageErrorNamingIt() throws {
        let spool = try SpoolFixture()
        let result = try spool.ocgate(["work", "--kinds", "inbox.ingest,nope.kind"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("unknown job kind nope.kind"))
    }

    @Test(arguments: TestBackend.allCases)
    func workAnswersTheInboxAndExitsCleanlyOnSIGTERM(backend: TestBackend) async throws {
        let spool = try await SpoolFixture(backend)
        for folder in ["inbox/tmp", "inbox/new"] {
            try FileManager.default.createDirectory(atPath: spool.spool + "/" + folder, withIntermediateDirectories: true)
        }
        let envelope = #"{"headers":{"X-OC-ID":"500","X-OC-Timestamp":"1","X-OC-Nonce":"n","X-OC-Signature":"ab"},"path":"/checkout/create","body":"{\"order\":5}"}"#
        try Data(envelope.utf8).write(to: URL(fileURLWithPath: spool.spool + "/inbox/tmp/0001.json"))
        try FileManager.default.moveItem(atPath: spool.spool + "/inbox/tmp/0001.json", toPath: spool.spool + "/inbox/new/0001.json")

        let process = try OCGateProcess.launch(
            ["work", "--concurrency", "2", "--config", spool.config], environment: spool.environment)

        let answer = spool.spool + "/outbox/0001.json"
        _ = try await eventually { FileManager.default.fileExists(atPath: answer) }
        process.terminate()
        process.waitUntilExit()

        // The file went through the acceptor's authentication: its signature "ab" is refused.
        let body = try JSONParser.parse(String(contentsOfFile: answer, encoding: .utf8))
        #expect(body["error"]?["code"]?.stringValue == "INVALID_SIGNATURE")
        #expect(!FileManager.default.fileExists(atPath: spool.spool + "/inbox/new/0001.json"))
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }
}
