import Foundation

/// A settlement statement as stored: `statementJSON` is the exact canonical text the gateway signed.
public struct StoredStatement: Sendable, Equatable {
    public var id: String
    public var mgOCID: UInt64
    public var currency: String
    public var periodStart: Date?
    /// The cut-off: the statement holds entries created before it.
    public var periodEnd: Date
    public var entryCount: Int
    /// The exact decimal sum of the entries.
    public var total: String
    public var statementJSON: String
    /// 130-hex signature by the gateway key over `statementJSON`.
    public var signature: String
    public var createdAt: Date
    /// When the JSON and CSV files were in place; nil when a run died before writing them.
    public var filesWrittenAt: Date?
    /// Where delivery of the statement to the MG stands; nil when the MG gets no statement deliveries.
    public var notifyState: DeliveryState?

    public init(
        id: String, mgOCID: UInt64, currency: String, periodStart: Date?, periodEnd: Date, entryCount: Int,
        total: String, statementJSON: String, signature: String, createdAt: Date, filesWrittenAt: Date? = nil,
        notifyState: DeliveryState? = nil
    ) {
        self.id = id
        self.mgOCID = mgOCID
        self.currency = currency
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.entryCount = entryCount
        self.total = total
        self.statementJSON = statementJSON
        self.signature = signature
        self.createdAt = createdAt
        self.filesWrittenAt = filesWrittenAt
        self.notifyState = notifyState
    }

    /// The signed document `{"statement":…,"signature":"…"}`, spliced from the stored bytes so the file and every
    /// delivery carry exactly what was signed.
    public var signedBody: [UInt8] {
        Array("{\"statement\":".utf8) + Array(statementJSON.utf8) + Array(",\"signature\":\"\(signature)\"}".utf8)
    }
}

/// What settling one group did.
public enum StatementOutcome: Sendable, Equatable {
    /// A new statement committed with its entries.
    case created(StoredStatement)
    /// A statement for this MG, currency and cut-off already existed (an earlier or a racing run made it).
    case existing(StoredStatement)
    /// Nothing was left to settle in the group by the time the transaction ran.
    case nothingToSettle
}
