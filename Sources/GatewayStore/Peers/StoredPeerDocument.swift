import Foundation

/// A peer's metadata document as last fetched, kept so a restart within the cache TTL need not refetch it.
public struct StoredPeerDocument: Sendable, Equatable {
    /// The peer's OCID.
    public let ocid: UInt64
    /// The response body exactly as fetched; it is verified again when read back.
    public let document: [UInt8]
    /// When the document was fetched.
    public let fetchedAt: Date

    public init(ocid: UInt64, document: [UInt8], fetchedAt: Date) {
        self.ocid = ocid
        self.document = document
        self.fetchedAt = fetchedAt
    }
}

/// The database half of the peer metadata cache, shared by every process and host.
///
/// Guarantees: one document per OCID; `save` replaces it atomically (last writer wins, and every writer stores a
/// document it verified, so any winner is valid).
public protocol PeerDocumentStore: Sendable {
    /// The stored document of `ocid`, if any, however old.
    func document(for ocid: UInt64) async throws -> StoredPeerDocument?

    /// Stores (or replaces) the document of a peer.
    func save(_ stored: StoredPeerDocument) async throws

    /// Deletes documents fetched before `cutOff` (peers that have not called for that long); returns how many.
    func prune(fetchedBefore cutOff: Date) async throws -> Int
}
