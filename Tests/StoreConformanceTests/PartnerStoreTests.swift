import Foundation
import GatewayStore
import Testing

/// `PartnerStore`: the Merchant Gateways an operator admitted.
@Suite("PartnerStore", .serialized)
struct PartnerStoreTests {
    private func partner(_ ocid: UInt64, name: String = "MG", status: Partner.Status = .enabled, at: Date) -> Partner {
        Partner(
            ocid: ocid, name: name, publicKey: "02\(String(repeating: "1", count: 64))",
            endpoint: "https://mg\(ocid).example/oc", status: status, addedAt: at)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func addStoresThePartnerAsGiven(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let added = partner(Seed.mg, name: "First MG", at: fixture.now)

        #expect(try await fixture.partners.add(added) == added)

        #expect(try await fixture.partners.partner(Seed.mg) == added)
        #expect(try await fixture.partners.partner(Seed.otherMG) == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func addingAgainRefreshesNameKeyAndEndpointButKeepsStatusAndAddedAt(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let original = partner(Seed.mg, name: "Old", at: fixture.now)
        try await fixture.partners.add(original)
        try await fixture.partners.setStatus(.disabled, for: Seed.mg)
        fixture.clock.advance(by: .seconds(60))
        let refreshed = Partner(
            ocid: Seed.mg, name: "New", publicKey: "03ff", endpoint: "https://new.example/oc", status: .enabled,
            addedAt: fixture.now)

        let stored = try await fixture.partners.add(refreshed)

        let expected = Partner(
            ocid: Seed.mg, name: "New", publicKey: "03ff", endpoint: "https://new.example/oc", status: .disabled,
            addedAt: original.addedAt)
        #expect(stored == expected)
        #expect(try await fixture.partners.partner(Seed.mg) == expected)
        #expect(try await fixture.partners.all().count == 1)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func setStatusReportsWhetherThePartnerExists(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        try await fixture.partners.add(partner(Seed.mg, at: fixture.now))

        #expect(try await fixture.partners.setStatus(.disabled, for: Seed.mg))
        #expect(try await fixture.partners.partner(Seed.mg)?.status == .disabled)
        #expect(try await fixture.partners.setStatus(.enabled, for: Seed.mg))
        #expect(try await fixture.partners.partner(Seed.mg)?.status == .enabled)
        #expect(try await fixture.partners.setStatus(.disabled, for: Seed.otherMG) == false)
        #expect(try await fixture.partners.partner(Seed.otherMG) == nil)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func allListsPartnersByOCID(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        for ocid in [UInt64(30), 10, 20] { try await fixture.partners.add(partner(ocid, at: fixture.now)) }

        #expect(try await fixture.partners.all().map(\.ocid) == [10, 20, 30])
    }

    @Test(arguments: ConformanceBackend.allCases)
    func allListsOCIDsAboveInt64MaxAfterSmallerOnes(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        let large = UInt64(Int64.max) + 1
        for ocid in [UInt64.max, large, 5] { try await fixture.partners.add(partner(ocid, at: fixture.now)) }

        #expect(try await fixture.partners.partner(UInt64.max)?.ocid == UInt64.max)
        let all = try await fixture.partners.all()
        #expect(all.map(\.ocid) == [5, large, UInt64.max])
    }
}
