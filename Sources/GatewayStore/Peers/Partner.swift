import Foundation

/// A Merchant Gateway an operator admitted with `ocgate partners add`.
public struct Partner: Sendable, Equatable {
    /// Whether a partner may call.
    public enum Status: String, Sendable, CaseIterable {
        case enabled
        case disabled
    }

    public let ocid: UInt64
    public let name: String
    /// The public key (hex) its metadata published when it was added.
    public let publicKey: String
    public let endpoint: String
    public let status: Status
    public let addedAt: Date

    public init(ocid: UInt64, name: String, publicKey: String, endpoint: String, status: Status, addedAt: Date) {
        self.ocid = ocid
        self.name = name
        self.publicKey = publicKey
        self.endpoint = endpoint
        self.status = status
        self.addedAt = addedAt
    }
}
