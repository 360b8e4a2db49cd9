import Testing

/// Contract violations this suite found in a backend. A test wraps the expectations that fail in
/// `withKnownIssue(violation.comment) { … } when: { violation.affects(backend) }`: the rest of the suite stays
/// green, other backends are held to the contract, and once the backend is fixed the test fails ("known issue was
/// not recorded") until its wrapper goes.
enum KnownViolation {
    /// `NonceStore`: "an existing record younger than `retention` refuses the nonce, an older one is taken over".
    /// SQLite's in-process front (`RecentNonces`) keeps every nonce this process recorded, with no time, until
    /// 2 × 100,000 newer ones push it out, so the same process refuses a nonce past its retention (the database row
    /// would be taken over: another process on the same file records it).
    case nonceFrontOutlivesRetention
    /// `PartnerStore.all()` is "by OCID", `SettlementStore.ledgerWithDeliveries` "ordered by MG": OCIDs are
    /// `UInt64`, but SQLite stores them as their `Int64` bit pattern and sorts on that, so an OCID above
    /// `Int64.max` sorts before every smaller one.
    case ocidsAboveInt64MaxSortFirst
    /// `DeliveryStore.proofToDeliver` returns "the one `ProofStore.issue` handed over when it claimed `job` for its
    /// worker, or else the stored one". SQLite's `HandedOverProofs` matches a claim by job id and claim time only,
    /// so a delivery handed back unrun and claimed by another worker of the same process within the same
    /// millisecond gets the handed-over proof, which may be stale (its `deliveryState` still `pending` after the
    /// row was updated). The attempt does not tell the claims apart either: a release does not charge it.
    case handOverMatchesClaimTimeNotWorker

    var comment: Comment {
        switch self {
        case .nonceFrontOutlivesRetention: "SQLite: the in-process nonce front refuses a nonce past its retention"
        case .ocidsAboveInt64MaxSortFirst: "SQLite: OCIDs above Int64.max sort as negative numbers"
        case .handOverMatchesClaimTimeNotWorker: "SQLite: a same-millisecond re-claim takes the handed-over proof"
        }
    }

    func affects(_ backend: ConformanceBackend) -> Bool {
        switch backend {
        case .sqlite: true
        }
    }
}
