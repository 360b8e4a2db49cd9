import Foundation
import GatewayStore
import Logging
import Opencharge

/// The partner policy of `partners.open` (spec §3.3 last row): closed admits only enabled partners; open admits
/// any caller; a disabled partner is refused in both.
///
/// Each OCID's partner row is remembered for `refresh` so the hot path does not read the database per request;
/// an operator's `partners disable` takes effect in every process within that interval.
/// Safe as `@unchecked Sendable`: `known` is read and written only under `lock`.
public final class PartnerPolicy: @unchecked Sendable {
    private let partners: any PartnerStore
    private let open: Bool
    private let refresh: Duration
    private let time: any TimeSource
    private let lock = NSLock()
    private var known: [UInt64: (partner: Partner?, readAt: Date)] = [:]

    /// - Parameters:
    ///   - open: `partners.open`.
    ///   - refresh: how long a partner row read from the database is reused.
    public init(partners: any PartnerStore, open: Bool, refresh: Duration = .seconds(1), time: any TimeSource = SystemTime()) {
        self.partners = partners
        self.open = open
        self.refresh = refresh
        self.time = time
    }

    /// - Throws: `APIError` 401 `UNKNOWN_OCID` (closed, not a partner), 403 `CONNECTION_REFUSED` (disabled),
    ///   500 when the partner table cannot be read.
    public func admit(_ ocid: UInt64) async throws(APIError) {
        switch try await partner(ocid)?.status {
        case .enabled?: return
        case .disabled?: throw APIError(.connectionRefused, "Connection not accepted")
        case nil where open: return
        case nil: throw APIError(.unknownOCID, "OCID \(ocid) is not a partner of this gateway")
        }
    }

    private func partner(_ ocid: UInt64) async throws(APIError) -> Partner? {
        let now = time.now()
        if let cached = lock.withLock({ known[ocid] }), now.timeIntervalSince(cached.readAt) < refresh.timeInterval {
            return cached.partner
        }
        let partner: Partner?
        do {
            partner = try await partners.partner(ocid)
        } catch {
            throw APIError(.internalError, "could not read the partner list: \(error)")
        }
        lock.withLock { known[ocid] = (partner, now) }
        return partner
    }
}
