import Foundation

/// Checkout sessions: created by the acceptor, moved through their lifecycle by the hosted page and the session
/// jobs (`pending → processing → completed | failed | cancelled | expired`).
///
/// Guarantees every backend keeps, also when several processes on several hosts call at once:
/// - `create` is one atomic operation: the request's nonce claim, the session row and its first job (if any) commit
///   together or not at all. Of two creates with the same nonce, exactly one gets past the nonce; of two with the
///   same `(mg, merchant, order id)`, exactly one inserts (a unique constraint, never a read-then-write) and the
///   other sees `.existing` or `.conflict`. A create whose nonce is refused writes nothing.
/// - `create` reads the spool's drain flag inside that same atomic operation and, when it is set, writes nothing
///   and answers `.draining`: a create ordered after `JobQueue.setDraining(true)` committed (in any process)
///   never stores a session, and one ordered after `setDraining(false)` is not refused for draining. No cached
///   flag decides it.
/// - Each lifecycle transition is one conditional update: of any number of concurrent callers exactly one moves
///   the session, and a transition repeated (a job run twice) changes nothing the second time.
public protocol CheckoutSessionStore: Sendable {
    /// Stores a session (its merchant's name included) and enqueues `job`, if any, in the same atomic operation,
    /// claiming `nonce` (when given) in it too; or reports the existing session for the same `(mg, merchant, order
    /// id)`: identical when the digest matches, a conflict otherwise.
    func create(_ record: CheckoutSessionRecord, nonce: NonceClaim?, job: NewJob?) async throws -> SessionCreation

    /// The session with this id, or nil.
    func session(id: String) async throws -> CheckoutSessionRecord?

    /// The session `mgOCID` created for its order `orderID`: at `merchantOCID` when given, else the most recently
    /// created one among that MG's merchants (an order id is unique per `(mg, merchant)` only). Ties on the creation
    /// instant go to the greater session id, so every backend answers the same. A read: no guarantee beyond seeing
    /// committed rows.
    func session(mgOCID: UInt64, orderID: String, merchantOCID: UInt64?) async throws -> CheckoutSessionRecord?

    /// The number of sessions (tests and stats).
    func count() async throws -> Int

    /// Stores the merchant's display name unless one is stored already; false if the session was named before
    /// (or does not exist). For sessions an older version stored without it (`session.open` names them).
    func name(sessionID: String, merchantName: String) async throws -> Bool

    /// Cancels a pending, unexpired session. Cancelling twice is fine: the second call reports it cancelled.
    func cancel(sessionID: String, now: Date) async throws -> SessionCancellation

    /// Marks every `pending` session whose expiry has passed `expired`, at most `MaintenanceBatches.size` per
    /// transaction (each session at most once, however many runs race); sessions in `processing` are left alone
    /// because money may be moving. Returns how many sessions expired.
    func expirePending(now: Date) async throws -> Int

    /// Sessions matching `filter`, newest first by `(createdAt, id)`; `after` continues where the previous page ended,
    /// so a deep page costs what the first does. The unfiltered listing, the id/order/txid search and the filters by MG
    /// and by status are served by an index in that order; a filter by merchant alone walks the time order and keeps
    /// that merchant's sessions (docs/benchmarks.md, console).
    func list(_ filter: SessionFilter) async throws -> [SessionOverview]

    /// One session as operators see it, or nil.
    func overview(id: String) async throws -> SessionOverview?
}

/// A request nonce to claim inside the operation that stores what the request asked for (spec §3.3).
public struct NonceClaim: Sendable, Equatable {
    public var nonce: String
    /// The caller's OCID: nonces are unique per caller.
    public var ocid: UInt64

    public init(nonce: String, ocid: UInt64) {
        self.nonce = nonce
        self.ocid = ocid
    }
}

/// A session as operators see it: the stored row plus what the lifecycle jobs added to it.
public struct SessionOverview: Sendable, Equatable {
    public var session: CheckoutSessionRecord
    /// The merchant's display name, once it was stored.
    public var merchantName: String?
    /// The charge that holds (or last held) the session.
    public var chargeReference: String?
    /// When the status last moved; nil while it is the status the session was created with.
    public var statusChangedAt: Date?

    public init(session: CheckoutSessionRecord, merchantName: String?, chargeReference: String?, statusChangedAt: Date?) {
        self.session = session
        self.merchantName = merchantName
        self.chargeReference = chargeReference
        self.statusChangedAt = statusChangedAt
    }
}

/// Which sessions `ocgate sessions list` and the console show; every field left `nil` matches all.
public struct SessionFilter: Sendable, Equatable {
    public var status: SessionStatus?
    public var mgOCID: UInt64?
    public var merchantOCID: UInt64?
    /// Created at or after this instant.
    public var since: Date?
    /// Created before this instant.
    public var until: Date?
    /// Sessions this text names exactly: as their session id, their order id, or the txid of their proof.
    public var text: String?
    /// Keyset pagination: only sessions after this one in newest-first order (the last of the previous page).
    public var after: SessionCursor?
    /// At most this many sessions, newest first.
    public var limit: Int?

    public init(
        status: SessionStatus? = nil, mgOCID: UInt64? = nil, merchantOCID: UInt64? = nil, since: Date? = nil,
        until: Date? = nil, text: String? = nil, after: SessionCursor? = nil, limit: Int? = nil
    ) {
        self.status = status
        self.mgOCID = mgOCID
        self.merchantOCID = merchantOCID
        self.since = since
        self.until = until
        self.text = text
        self.after = after
        self.limit = limit
    }
}

/// Where a newest-first page of sessions ended: listings order by `(createdAt, id)` descending.
public struct SessionCursor: Sendable, Equatable {
    public var createdAt: Date
    public var id: String

    public init(createdAt: Date, id: String) {
        self.createdAt = createdAt
        self.id = id
    }

    /// The cursor after `session`.
    public init(_ session: CheckoutSessionRecord) {
        self.init(createdAt: session.createdAt, id: session.id)
    }
}

/// What cancelling a session did.
public enum SessionCancellation: Sendable, Equatable {
    /// The session moved `pending → cancelled`, or was cancelled already.
    case cancelled(CheckoutSessionRecord)
    /// The session is past cancelling (paid, processing, expired …), as it is now.
    case notCancellable(CheckoutSessionRecord)
    /// No such session.
    case unknown
}
