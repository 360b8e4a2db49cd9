import Foundation
import GatewayCore
import Testing

struct StatementIDTests {
    @Test func aWholeSecondCutOffKeepsItsIdAndASubSecondOneGetsItsMilliseconds() {
        let cutOff = Date(timeIntervalSince1970: 1_764_703_215)  // 2025-12-02T19:20:15Z
        #expect(StatementDocument.id(mgOCID: 300, currency: "USD", cutOff: cutOff) == "st_300_USD_20251202T192015")
        #expect(
            StatementDocument.id(mgOCID: 300, currency: "USD", cutOff: cutOff.addingTimeInterval(0.25))
                == "st_300_USD_20251202T192015.250")
        #expect(
            StatementDocument.id(mgOCID: 300, currency: "USD", cutOff: cutOff.addingTimeInterval(0.005))
                == "st_300_USD_20251202T192015.005")
    }
}
