@testable import GatewayCore
import Foundation
import Opencharge
import Testing

struct ChargeReferenceTests {
    @Test func referencesSortByCreationAndDifferWithinOneMillisecond() throws {
        let first = Date(timeIntervalSince1970: 1_764_000_000.5)
        let same = (0..<1000).map { _ in ChargeReference.make(prefix: "sbx_", at: first) }
        #expect(Set(same).count == same.count)
        let later = ChargeReference.make(prefix: "sbx_", at: first.addingTimeInterval(0.001))
        #expect(same.allSatisfy { $0 < later })
        let reference = try #require(same.first)
        #expect(reference.hasPrefix("sbx_") && reference.count == 28 && Hex.decode(reference.dropFirst(4)) != nil)
        #expect(reference.dropFirst(4).prefix(12) == "019ab697e9f4", "the creation time in milliseconds, in hex")
    }
}
