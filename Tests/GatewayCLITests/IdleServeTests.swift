import Foundation
import GatewaySimulator
import GatewayTestSupport
import Opencharge
import Testing

/// An idle `ocgate serve`, with its workers and the shipped configuration, as an operator's log search sees it: the
/// recurring sweeps keep their once-per-period rows but say nothing at `info` when they find nothing, and an inbox
/// poll that finds no file writes no row; a file dropped in is still picked up by the next poll.
@Suite(.timeLimit(.minutes(3)))
struct IdleServeTests {
    let merchant = SimulatedParty(ocid: 500, name: "Merchant", endpoint: "https://merchant.example")
    let gateway = SimulatedParty(ocid: 300, name: "MG", endpoint: "https://mg.example")

    /// On every backend: the sweeps' rows, the inbox poll's and the dropped file's answer go through the store.
    @Test(arguments: TestBackend.allCases)
    func anIdleGatewayLogsNothingAtInfoAndItsEmptyInboxPollsWriteNoRows(backend: TestBackend) async throws {
        // The sweeps and the inbox poll every second, so a few periods pass quickly; the log at its shipped `info`.
        let served = try await ServedGateway.start(
            resolving: [gateway, merchant], workers: true,
            settings: [
                "OCGATE_LOG_LEVEL": "info", "OCGATE_LOG_FORMAT": "json", "OCGATE_WORKERS_SESSION_EXPIRE_EVERY": "1s",
                "OCGATE_WORKERS_NONCE_PRUNE_EVERY": "1s", "OCGATE_WORKERS_INBOX_POLL_EVERY": "1s",
            ],
            backend: backend)
        defer { served.stop() }
        func jobs(_ kind: String) async throws -> [JSONValue] {
            let listed = try await served.ocgate(["jobs", "list", "--kind", kind, "--limit", "1000", "--json"])
            #expect(listed.result.status == 0, "\(listed.result.stderr)")
            return try JSONParser.parse(Array(listed.result.stdout.utf8))["jobs"]?.arrayValue ?? []
        }
        func succeeded(_ kind: String) async throws -> Int {
            try await jobs(kind).filter { $0["state"]?.stringValue == "succeeded" }.count
        }

        // Three periods of each sweep ran, each leaving its row.
        let swept = try await eventually {
            let (expiries, prunes) = (try await succeeded("session.expire"), try await succeeded("nonces.prune"))
            return expiries >= 3 && prunes >= 3
        }
        #expect(swept)
        #expect(try await jobs("inbox.ingest").isEmpty, "an inbox poll that found no file wrote a job row")
        let afterStart = served.standardError.components(separatedBy: "ocgate listening").dropFirst().joined()
        let infoLines = afterStart.split(separator: "\n").filter { $0.contains(#""level":"info""#) }
        #expect(infoLines.isEmpty, "idle info lines:\n\(infoLines.joined(separator: "\n"))")

        // A file dropped into the inbox (maildir rule: written to tmp/, renamed into new/) is answered by a poll.
        let envelope = #"{"headers":{"X-OC-ID":"300","X-OC-Timestamp":"1","X-OC-Nonce":"n","X-OC-Signature":"ab"},"path":"/checkout/create","body":"{}"}"#
        let staged = served.spool.appendingPathComponent("inbox/tmp/0001.json")
        try Data(envelope.utf8).write(to: staged)
        try FileManager.default.moveItem(at: staged, to: served.spool.appendingPathComponent("inbox/new/0001.json"))
        let answer = served.spool.appendingPathComponent("outbox/0001.json").path
        let answered = try await eventually { FileManager.default.fileExists(atPath: answer) }
        #expect(answered)
        let ingested = try await eventually { try await succeeded("inbox.ingest") == 1 }
        #expect(ingested)
    }
}
