import Foundation
import GRDB
import GatewayStore

/// The `partners` table: which MGs may call when `partners.open` is false.
struct SQLitePartnerStore: PartnerStore {
    private let database: SQLiteDatabase

    init(database: SQLiteDatabase) {
        self.database = database
    }

    /// Adds a partner, or refreshes the name, key and endpoint of one already added (its status and
    /// `added_at` stay as they were).
    /// - Returns: the partner as stored.
    @discardableResult
    func add(_ partner: Partner) async throws -> Partner {
        try await database.write { db in
            try db.cachedStatement(sql: """
                    INSERT INTO partners (ocid, name, public_key, endpoint, status, added_at) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT(ocid) DO UPDATE SET
                        name = excluded.name, public_key = excluded.public_key, endpoint = excluded.endpoint
                    """).execute(arguments: [
                    Int64(bitPattern: partner.ocid), partner.name, partner.publicKey, partner.endpoint,
                    partner.status.rawValue, partner.addedAt.millis,
                ])
            return try Self.fetch(partner.ocid, db)!
        }
    }

    func partner(_ ocid: UInt64) async throws -> Partner? {
        try await database.read { db in try Self.fetch(ocid, db) }
    }

    /// Every partner, by OCID.
    func all() async throws -> [Partner] {
        try await database.read { db in
            // OCIDs are UInt64 kept as their Int64 bit pattern: `ocid < 0` puts those above Int64.max last, in order.
            try Row.fetchAll(db, sql: "SELECT * FROM partners ORDER BY ocid < 0, ocid").map(Self.partner)
        }
    }

    /// Sets a partner's status.
    /// - Returns: false when no partner has this OCID.
    @discardableResult
    func setStatus(_ status: Partner.Status, for ocid: UInt64) async throws -> Bool {
        try await database.write { db in
            try db.cachedStatement(sql: "UPDATE partners SET status = ? WHERE ocid = ?").execute(arguments: [status.rawValue, Int64(bitPattern: ocid)])
            return db.changesCount == 1
        }
    }

    private static func fetch(_ ocid: UInt64, _ db: Database) throws -> Partner? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM partners WHERE ocid = ?"), arguments: [Int64(bitPattern: ocid)])
            .map(partner)
    }

    private static func partner(_ row: Row) -> Partner {
        Partner(
            ocid: UInt64(bitPattern: row["ocid"]), name: row["name"], publicKey: row["public_key"],
            endpoint: row["endpoint"],
            // Rows are only written from `Partner.Status`; an unknown value would be a hand edit: refuse it.
            status: Partner.Status(rawValue: row["status"]) ?? .disabled,
            addedAt: Date(millis: row["added_at"]))
    }
}
