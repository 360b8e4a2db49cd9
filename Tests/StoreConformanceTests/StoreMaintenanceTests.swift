import Foundation
import GatewayStore
import Testing

/// `StoreMaintenance`: what probes and operators ask of the storage itself.
@Suite("StoreMaintenance", .serialized)
struct StoreMaintenanceTests {
    @Test(arguments: ConformanceBackend.allCases)
    func aFreshStoreIsWritable(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)

        try await fixture.maintenance.checkWritable()

        #expect(fixture.maintenance.location.isEmpty == false)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func aStoreOpenedForFullDurabilityWorksAsAnyOther(backend: ConformanceBackend) async throws {
        // Only here, once: the setting must open and work, whatever it costs per commit.
        let fixture = try StoreFixture(backend, durability: .full)

        try await fixture.maintenance.checkWritable()
        let proof = try await fixture.provenSession()

        #expect(try await fixture.proofs.proof(txid: proof.txid) == proof)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func checkWritableWritesNothing(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        try await fixture.maintenance.checkWritable()

        #expect(try await fixture.sessions.count() == 0)
        #expect(try await fixture.jobs.list(JobFilter()) == [])
        #expect(try await fixture.jobs.isDraining() == false)
    }

    @Test(arguments: ConformanceBackend.allCases)
    func backupCopiesOrSaysItIsUnsupported(backend: ConformanceBackend) async throws {
        let fixture = try StoreFixture(backend)
        _ = try await fixture.createSession()
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ocgate-conformance-backup-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let destination = directory.appendingPathComponent("backup.db").path

        do {
            try await fixture.maintenance.backup(to: destination)
            #expect(FileManager.default.fileExists(atPath: destination))
        } catch let error as StoreError {
            guard case .unsupported = error else { throw error }
        }
    }
}
