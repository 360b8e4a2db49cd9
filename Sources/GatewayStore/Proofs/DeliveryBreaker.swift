import Foundation

/// The circuit breaker of deliveries to one Merchant Gateway, as stored (shared by every worker process).
public struct DeliveryBreaker: Sendable, Equatable {
    public var mgOCID: UInt64
    /// Failed deliveries to this MG in a row; a delivery the MG answers definitively resets it.
    public var consecutiveFailures: Int
    /// While in the future, deliveries to this MG are deferred instead of sent.
    public var openUntil: Date?
    public var updatedAt: Date

    public init(mgOCID: UInt64, consecutiveFailures: Int, openUntil: Date?, updatedAt: Date) {
        self.mgOCID = mgOCID
        self.consecutiveFailures = consecutiveFailures
        self.openUntil = openUntil
        self.updatedAt = updatedAt
    }

    /// Whether deliveries to this MG are paused at `now`.
    public func isOpen(at now: Date) -> Bool {
        openUntil.map { $0 > now } ?? false
    }
}
