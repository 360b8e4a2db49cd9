/// One side of a transfer: an OCID and that party's own reference.
public struct TransferParty: Sendable, Equatable {
    public let ocid: UInt64
    public let reference: String?

    public init(ocid: UInt64, reference: String?) {
        self.ocid = ocid
        self.reference = reference
    }

    var json: JSONValue {
        var object = JSONObject([("ocid", .integer(ocid))])
        if let reference { object["reference"] = .string(reference) }
        return .object(object)
    }
}

/// A signed statement that a transfer completed (spec §4.3).
public struct TransferProof: Sendable, Equatable {
    public let txid: String
    public let issuer: UInt64
    public let from: TransferParty
    public let to: TransferParty
    public let amount: String
    public let currency: String
    public let timestamp: Int64
    public let memo: String?

    public init(
        txid: String, issuer: UInt64, from: TransferParty, to: TransferParty, amount: String, currency: String,
        timestamp: Int64, memo: String?
    ) {
        self.txid = txid
        self.issuer = issuer
        self.from = from
        self.to = to
        self.amount = amount
        self.currency = currency
        self.timestamp = timestamp
        self.memo = memo
    }

    /// Validates a received proof object.
    public init(json: JSONValue, path: String = "proof") throws(ValidationError) {
        let reader = try FieldReader(json, path: path)
        txid = try reader.string("txid", maxLength: Limits.identifierLength)
        issuer = try reader.ocid("issuer")
        let from = try reader.child("from")
        self.from = TransferParty(
            ocid: try from.ocid("ocid"), reference: try from.optionalString("reference", maxLength: Limits.identifierLength))
        let to = try reader.child("to")
        self.to = TransferParty(
            ocid: try to.ocid("ocid"), reference: try to.optionalString("reference", maxLength: Limits.identifierLength))
        amount = try reader.amount("amount")
        currency = try reader.currency("currency")
        timestamp = try reader.integer("timestamp", in: 0...Int64(UInt32.max) * 64)
        memo = try reader.optionalString("memo", maxLength: Limits.textLength)
    }

    /// The proof object as it is signed and sent; absent optional fields are omitted, never null.
    public var json: JSONValue {
        var object = JSONObject([
            ("txid", .string(txid)), ("issuer", .integer(issuer)), ("from", from.json), ("to", to.json),
            ("amount", .string(amount)), ("currency", .string(currency)), ("timestamp", .integer(timestamp)),
        ])
        if let memo { object["memo"] = .string(memo) }
        return .object(object)
    }
}
