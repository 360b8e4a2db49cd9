import Foundation

/// A signed transfer proof as stored: `proofJSON` is the exact canonical text that was signed, and it is
/// what every delivery attempt sends.
public struct StoredProof: Sendable, Equatable {
    public var txid: String
    public var sessionID: String
    /// The Merchant Gateway the proof is delivered to and the ledger entry is payable to.
    public var mgOCID: UInt64
    public var proofJSON: String
    /// 130-hex signature by the gateway key over `proofJSON`.
    public var signature: String
    public var amount: String
    public var currency: String
    public var issuedAt: Date
    public var deliveryState: DeliveryState
    public var deliveredAt: Date?

    public init(
        txid: String, sessionID: String, mgOCID: UInt64, proofJSON: String, signature: String, amount: String,
        currency: String, issuedAt: Date, deliveryState: DeliveryState = .pending, deliveredAt: Date? = nil
    ) {
        self.txid = txid
        self.sessionID = sessionID
        self.mgOCID = mgOCID
        self.proofJSON = proofJSON
        self.signature = signature
        self.amount = amount
        self.currency = currency
        self.issuedAt = issuedAt
        self.deliveryState = deliveryState
        self.deliveredAt = deliveredAt
    }

    /// The webhook body `{"proof":…,"signature":"…"}`, spliced from the stored bytes so it is identical on
    /// every attempt (re-encoding could never change a signed byte).
    public var webhookBody: [UInt8] { splicedBody() }

    /// `{"proof":…,"signature":"…"` and then `trailingMembers` (encoded JSON members, each `,"name":value`, named
    /// after `signature` so the object stays in canonical key order) and `}`: the proof exactly as stored and
    /// delivered, whatever else the answer carries (`GET /verify/{txid}` adds its status).
    public func splicedBody(trailingMembers: String = "") -> [UInt8] {
        Array("{\"proof\":".utf8) + Array(proofJSON.utf8)
            + Array(",\"signature\":\"\(signature)\"\(trailingMembers)}".utf8)
    }
}

/// What the gateway owes a Merchant Gateway for one proof, keyed by its txid.
public struct LedgerEntry: Sendable, Equatable {
    public var txid: String
    public var mgOCID: UInt64
    public var currency: String
    /// The exact decimal string of the order; never a float.
    public var amount: String
    public var createdAt: Date
    /// The settlement statement that took it; nil until settled.
    public var statementID: String?

    public init(txid: String, mgOCID: UInt64, currency: String, amount: String, createdAt: Date, statementID: String?) {
        self.txid = txid
        self.mgOCID = mgOCID
        self.currency = currency
        self.amount = amount
        self.createdAt = createdAt
        self.statementID = statementID
    }
}

/// What running `proof.issue` for a session did.
public enum ProofIssue: Sendable, Equatable {
    /// A new proof and ledger entry committed with the session's completion and the delivery job.
    /// `late` is true when the session had expired before the charge was confirmed.
    case issued(StoredProof, late: Bool)
    /// The session already had its proof; nothing new was written (its delivery job was ensured).
    case existing(StoredProof)
    /// No such session.
    case unknownSession
}

extension ProofIssue {
    /// The attempt log's note for a `proof.issue` run that ended this way.
    public var note: String? {
        switch self {
        case .issued(let proof, let late): "issued \(proof.txid)\(late ? " (late)" : "")"
        case .existing(let proof): "proof \(proof.txid) was already issued"
        case .unknownSession: nil
        }
    }
}
