import Foundation
import Opencharge
import Testing

struct FlowBenchCommandTests {
    @Test(arguments: [[], ["--payments", "page"]])
    func benchDeliversEveryPaidSessionsProofToTheMerchantGateway(payments: [String]) throws {
        let config = OCGateProcess.packageRoot.appendingPathComponent("config/ocgate.toml").path
        let result = try OCGateProcess.run(
            ["bench", "flow", "--sessions", "60", "--payers", "8", "--config", config, "--json"] + payments)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONParser.parse(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(report["sessions"] == 60)
        #expect(report["accepted_by_mg"] == 60)
        #expect(report["payments"] == .string(payments.last ?? "direct"), "direct by default")
        #expect((report["proofs_per_second"]?.numberValue?.uint64Value ?? 0) > 0)
        // Pay → 303, which now waits for the proof and the MG's first delivery attempt (issue 18 item 9).
        for key in ["pay_p50_ms", "pay_p99_ms"] {
            #expect(Double(report[key]?.stringValue ?? "") != nil, "\(key) missing")
        }
    }
}
