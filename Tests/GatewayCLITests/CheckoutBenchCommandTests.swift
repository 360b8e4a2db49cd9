import Foundation
import Opencharge
import Testing

struct CheckoutBenchCommandTests {
    @Test func benchAcceptsAndStoresEveryCheckoutAndReportsTheCeiling() throws {
        let result = try OCGateProcess.run(["bench", "checkout", "--requests", "200", "--connections", "8", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONParser.parse(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(report["sessions_stored"] == 200)
        #expect(report["checkout"]?["statuses"] == ["200": 200])
        #expect(report["ceiling_checks_only"]?["statuses"] == ["200": 200])
        #expect((report["checkout"]?["requests_per_second"]?.numberValue?.uint64Value ?? 0) > 0)
    }
}
