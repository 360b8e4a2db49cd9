import Foundation
import GatewayStore
import Testing

/// `CheckoutSessionStore.list` as the console searches and pages it: one text naming a session by id, order id or
/// proof txid, and keyset pages by `(createdAt, id)`.
@Suite("CheckoutSessionStore search and pages", .serialized)
struct SessionSearchTests {
    @Test(arguments: ConformanceBackend.allCases)
    func textFindsASessionByIdOrderIdOrTxid(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let proof = try await fixture.provenSession()
        let other = try await fixture.createSession()
        let proven = try #require(try await fixture.sessions.session(id: proof.sessionID))

        func found(_ text: String) async throws -> [String] {
            try await fixture.sessions.list(SessionFilter(text: text)).map(\.session.id)
        }
        #expect(try await found(proven.id) == [proven.id])
        #expect(try await found(proven.orderID) == [proven.id])
        #expect(try await found(proof.txid) == [proven.id])
        #expect(try await found(other.orderID) == [other.id])
        #expect(try await found(String(proven.id.dropLast())) == [], "exact matches only")
        #expect(try await found("nothing") == [])
        #expect(try await fixture.sessions.list(SessionFilter(mgOCID: Seed.otherMG, text: proven.id)).isEmpty)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func keysetPagesCoverEverySessionOnceNewestFirstThroughTies(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        var created: [CheckoutSessionRecord] = []
        for minute in 0..<3 {
            // Four sessions share each instant: a page must continue inside a tie without skipping or repeating.
            for _ in 0..<4 { created.append(try await fixture.createSession()) }
            if minute < 2 { fixture.clock.advance(by: .seconds(60)) }
        }
        let expected = created.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }.map(\.id)

        var seen: [String] = []
        var filter = SessionFilter(limit: 3)
        while true {
            let page = try await fixture.sessions.list(filter)
            guard let last = page.last else { break }
            seen += page.map(\.session.id)
            filter.after = SessionCursor(last.session)
        }

        #expect(seen == expected)
        #expect(try await fixture.sessions.list(SessionFilter()).map(\.session.id) == expected)
    }
}
