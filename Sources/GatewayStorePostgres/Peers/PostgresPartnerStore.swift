import Foundation
import GatewayStore
import PostgresNIO

/// The `partners` table. `add` is one upsert that refreshes name, key and endpoint and keeps status and `added_at`.
struct PostgresPartnerStore: PartnerStore {
    let database: PostgresDatabase

    @discardableResult
    func add(_ partner: Partner) async throws -> Partner {
        let rows = try await database.run("""
            INSERT INTO partners (ocid, name, public_key, endpoint, status, added_at)
            VALUES (\(partner.ocid.stored), \(partner.name), \(partner.publicKey), \(partner.endpoint),
                    \(partner.status.rawValue), \(partner.addedAt.millis))
            ON CONFLICT (ocid) DO UPDATE SET
                name = excluded.name, public_key = excluded.public_key, endpoint = excluded.endpoint
            RETURNING *
            """)
        guard let row = rows.first else { throw StoreError.inconsistent("partner \(partner.ocid) vanished in its upsert") }
        return try Self.partner(row)
    }

    func partner(_ ocid: UInt64) async throws -> Partner? {
        try await database.run("SELECT * FROM partners WHERE ocid = \(ocid.stored)").first.map(Self.partner)
    }

    func all() async throws -> [Partner] {
        try await database.run("SELECT * FROM partners ORDER BY ocid < 0, ocid").map(Self.partner)
    }

    @discardableResult
    func setStatus(_ status: Partner.Status, for ocid: UInt64) async throws -> Bool {
        !(try await database.run("""
            UPDATE partners SET status = \(status.rawValue) WHERE ocid = \(ocid.stored) RETURNING ocid
            """)).isEmpty
    }

    private static func partner(_ row: PostgresRow) throws -> Partner {
        let r = row.makeRandomAccess()
        return Partner(
            ocid: try r.ocid("ocid"), name: try r.get("name"), publicKey: try r.get("public_key"),
            endpoint: try r.get("endpoint"),
            // Rows are only written from `Partner.Status`; an unknown value would be a hand edit: refuse it.
            status: Partner.Status(rawValue: try r.get("status")) ?? .disabled, addedAt: try r.date("added_at"))
    }
}
