import Foundation

/// Which MGs may call when `partners.open` is false.
///
/// Guarantees: one row per OCID (a unique key); `add` of an existing partner refreshes its name, key and endpoint
/// in one atomic upsert and keeps its status and `addedAt`, whoever calls it concurrently.
public protocol PartnerStore: Sendable {
    /// Adds a partner, or refreshes the name, key and endpoint of one already added. Returns it as stored.
    @discardableResult
    func add(_ partner: Partner) async throws -> Partner

    /// The partner with this OCID, or nil.
    func partner(_ ocid: UInt64) async throws -> Partner?

    /// Every partner, by OCID.
    func all() async throws -> [Partner]

    /// Sets a partner's status. Returns false when no partner has this OCID.
    @discardableResult
    func setStatus(_ status: Partner.Status, for ocid: UInt64) async throws -> Bool
}
