import Foundation

/// What the gateway did, minute by minute, for the console's charts. Reads only.
public protocol ActivityStore: Sendable {
    /// One reading per whole minute (UTC) in `[from, to)`, oldest first, minutes without activity included as zeros.
    func perMinute(from: Date, to: Date) async throws -> [ActivityMinute]

    /// Per Merchant Gateway, the `callback.deliver` attempts that started at or after `since`, by MG.
    func deliveryStats(since: Date) async throws -> [MGDeliveryStats]
}

/// Counts of one minute.
public struct ActivityMinute: Sendable, Equatable {
    /// The minute's first instant.
    public var minute: Date
    /// Checkout sessions created.
    public var checkouts: Int
    /// Charges started on the hosted page (payments).
    public var payments: Int
    /// Transfer proofs issued.
    public var proofs: Int
    /// Delivery attempts (`callback.deliver`) that succeeded.
    public var deliveries: Int
    /// Delivery attempts that did not.
    public var deliveryFailures: Int

    public init(minute: Date, checkouts: Int, payments: Int, proofs: Int, deliveries: Int, deliveryFailures: Int) {
        self.minute = minute
        self.checkouts = checkouts
        self.payments = payments
        self.proofs = proofs
        self.deliveries = deliveries
        self.deliveryFailures = deliveryFailures
    }
}

/// Deliveries to one MG over a window.
public struct MGDeliveryStats: Sendable, Equatable {
    public var mgOCID: UInt64
    /// Attempts that ended (any outcome but `released`).
    public var attempts: Int
    public var succeeded: Int
    /// Mean and greatest attempt duration, in milliseconds; 0 without attempts.
    public var meanMilliseconds: Int64
    public var maxMilliseconds: Int64

    public init(mgOCID: UInt64, attempts: Int, succeeded: Int, meanMilliseconds: Int64, maxMilliseconds: Int64) {
        self.mgOCID = mgOCID
        self.attempts = attempts
        self.succeeded = succeeded
        self.meanMilliseconds = meanMilliseconds
        self.maxMilliseconds = maxMilliseconds
    }

    /// Succeeded attempts over attempts, 0...1; nil without attempts.
    public var successRate: Double? { attempts == 0 ? nil : Double(succeeded) / Double(attempts) }
}
