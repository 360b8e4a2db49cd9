/// One instance of every store contract, as the composition root built them on one backend. Everything above the
/// storage layer reaches the data through these and nothing else.
public struct GatewayStores: Sendable {
    public let sessions: any CheckoutSessionStore
    public let charges: any ChargeStore
    public let proofs: any ProofStore
    public let deliveries: any DeliveryStore
    public let settlement: any SettlementStore
    public let partners: any PartnerStore
    public let nonces: any NonceStore
    public let peerDocuments: any PeerDocumentStore
    public let jobs: any JobQueue
    public let maintenance: any StoreMaintenance
    public let audit: any AuditStore
    public let activity: any ActivityStore

    public init(
        sessions: any CheckoutSessionStore, charges: any ChargeStore, proofs: any ProofStore,
        deliveries: any DeliveryStore, settlement: any SettlementStore, partners: any PartnerStore,
        nonces: any NonceStore, peerDocuments: any PeerDocumentStore, jobs: any JobQueue,
        maintenance: any StoreMaintenance, audit: any AuditStore, activity: any ActivityStore
    ) {
        self.audit = audit
        self.activity = activity
        self.sessions = sessions
        self.charges = charges
        self.proofs = proofs
        self.deliveries = deliveries
        self.settlement = settlement
        self.partners = partners
        self.nonces = nonces
        self.peerDocuments = peerDocuments
        self.jobs = jobs
        self.maintenance = maintenance
    }
}
