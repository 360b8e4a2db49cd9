@testable import GatewayCLI
import Foundation
import GatewayTestSupport
import Opencharge
import Testing

struct DemoCommandTests {
    @Test func demoAutoPaysAndPrintsAProofTheMerchantGatewayAcceptedAndThatVerifies() throws {
        let directory = try OCGateProcess.temporaryDirectory()
        let config = OCGateProcess.packageRoot.appendingPathComponent("config/ocgate.toml").path
        let environment = [
            "OCGATE_SPOOL_DIR": directory.appendingPathComponent("spool").path,
            "OCGATE_GATEWAY_KEY_FILE": directory.appendingPathComponent("gateway.key").path,
            "OCGATE_HTTP_PORT": String(closedLoopbackPort()),
        ]
        let result = try OCGateProcess.run(
            ["demo", "--auto", "--timeout", "60", "--config", config], environment: environment, in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("/pay/cs_"))
        #expect(result.stdout.contains(#""issuer":200"#))
        #expect(result.stdout.contains(#""to":{"ocid":500"#))
        #expect(result.stdout.contains("verified with the gateway's published key: yes"))

        // The operator's view of the same session: completed, one proof delivered and accepted, one ledger entry.
        let sessionID = try #require(
            result.stdout.split(separator: "\n").first { $0.contains("session  cs_") }?.split(separator: " ").last)
        let shown = try OCGateProcess.run(
            ["sessions", "show", String(sessionID), "--json", "--config", config], environment: environment, in: directory)
        #expect(shown.status == 0, "\(shown.stderr)")
        let session = try JSONParser.parse(shown.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(session["proof"]?["delivery_state"] == "accepted")
        #expect(session["ledger_entry"]?["amount"] == "4.50")
        #expect(session["ledger_entry"]?["payable_to_mg"] == 300)
        let delivery = session["jobs"]?.arrayValue?.first { $0["kind"] == "callback.deliver" }
        #expect(delivery?["state"] == "succeeded")
        let attempt = delivery?["attempts"]?.arrayValue?.last
        #expect(attempt?["outcome"] == "succeeded")
        #expect(attempt?["note"]?.stringValue?.contains("HTTP 200") == true)
    }
}

extension DemoCommandTests {
    @Test func demoOnATakenPortFailsWithOneLineInsteadOfWaiting() async throws {
        let directory = try OCGateProcess.temporaryDirectory()
        let taken = OccupiedLoopbackPort()
        defer { taken.release() }
        let errors = Pipe()
        let demo = try OCGateProcess.launch(
            ["demo", "--auto", "--config", OCGateProcess.packageRoot.appendingPathComponent("config/ocgate.toml").path],
            environment: [
                "OCGATE_SPOOL_DIR": directory.appendingPathComponent("spool").path,
                "OCGATE_GATEWAY_KEY_FILE": directory.appendingPathComponent("gateway.key").path,
                "OCGATE_HTTP_PORT": String(taken.port),
            ],
            in: directory, standardError: errors.fileHandleForWriting)
        guard try await eventually({ !demo.isRunning }) else {
            kill(demo.processIdentifier, SIGKILL)  // a demo stuck waiting does not end on SIGTERM either
            Issue.record("ocgate demo still waits for a port it cannot have")
            return
        }
        try errors.fileHandleForWriting.close()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(demo.terminationStatus != 0)
        #expect(stderr.contains("could not listen on 127.0.0.1:\(taken.port)"), "\(stderr)")
        #expect(stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1, "\(stderr)")
    }
}

struct DemoOrderIDTests {
    @Test func orderIDsCarrySixtyFourRandomBitsAndDoNotRepeat() {
        let ids = (0..<20_000).map { _ in DemoFlow.newOrderID() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(100) {
            #expect(id.hasPrefix("ord_demo_") && id.count == 25 && Hex.decode(id.dropFirst(9))?.count == 8, "\(id)")
        }
    }
}
