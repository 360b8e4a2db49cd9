import Foundation
import GatewayStore
import Testing

/// `AuditStore`: what is recorded comes back as recorded, newest first, in keyset pages.
@Suite("AuditStore", .serialized)
struct AuditStoreTests {
    @Test(arguments: ConformanceBackend.allCases)
    func entriesComeBackNewestFirstInPages(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        var recorded: [AuditEntry] = []
        for n in 0..<5 {
            recorded.append(try await fixture.audit.record(NewAuditEntry(
                at: fixture.now, action: "job.retry", target: "job \(n)", client: "127.0.0.1", outcome: "requeued")))
            fixture.clock.advance(by: .seconds(1))
        }

        #expect(recorded.map(\.id) == recorded.map(\.id).sorted() && Set(recorded.map(\.id)).count == 5, "ids grow")
        #expect(recorded[2] == AuditEntry(
            id: recorded[2].id, at: Date(millis: TestClock.start + 2000), action: "job.retry", target: "job 2",
            client: "127.0.0.1", outcome: "requeued"))
        let first = try await fixture.audit.entries(beforeID: nil, limit: 2)
        #expect(first == [recorded[4], recorded[3]])
        let second = try await fixture.audit.entries(beforeID: first.last?.id, limit: 2)
        #expect(second == [recorded[2], recorded[1]])
        let third = try await fixture.audit.entries(beforeID: second.last?.id, limit: 2)
        #expect(third == [recorded[0]])
        #expect(try await fixture.audit.entries(beforeID: recorded[0].id, limit: 2).isEmpty)
        #expect(try await fixture.audit.entries(beforeID: nil, limit: 10) == recorded.reversed())
    }
}
