/// What a copy checks on both sides: rows per table, and the ledger's exact totals per MG and currency.
public struct StoreCensus: Sendable, Equatable {
    /// Rows per table.
    public var rows: [String: Int64]
    /// Per MG and currency, in unsigned OCID order, then currency.
    public var ledger: [LedgerTotal]

    public init(rows: [String: Int64], ledger: [LedgerTotal]) {
        self.rows = rows
        self.ledger = ledger.sorted { ($0.mgOCID, $0.currency) < ($1.mgOCID, $1.currency) }
    }
}

/// The ledger entries of one MG in one currency: how many, and their exact sum.
public struct LedgerTotal: Sendable, Equatable {
    public var mgOCID: UInt64
    public var currency: String
    public var entries: Int64
    /// The exact decimal sum, with as many fraction digits as the longest amount.
    public var total: ExactDecimal

    public init(mgOCID: UInt64, currency: String, entries: Int64, total: ExactDecimal) {
        self.mgOCID = mgOCID
        self.currency = currency
        self.entries = entries
        self.total = total
    }
}

/// A decimal number held exactly (an integer of units and a scale), to add amounts stored as decimal text without
/// rounding. Equal values compare equal whatever their scale (`1.5 == 1.50`).
public struct ExactDecimal: Sendable, Hashable, CustomStringConvertible {
    /// The value times 10^scale.
    public private(set) var units: Int128
    /// Digits after the point.
    public private(set) var scale: Int

    public static let zero = ExactDecimal(units: 0, scale: 0)

    init(units: Int128, scale: Int) {
        self.units = units
        self.scale = scale
    }

    /// Reads `-?digits(.digits)?`; nil for anything else (exponents, spaces, empty parts, more than 30 digits).
    public init?(_ text: String) {
        var digits = Substring(text)
        let negative = digits.first == "-"
        if negative { digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            parts.joined().count <= 30, let units = Int128(parts.joined())
        else { return nil }
        self.units = negative ? -units : units
        scale = parts.count == 2 ? parts[1].count : 0
    }

    private func rescaled(to scale: Int) -> Int128 {
        var units = units
        for _ in self.scale..<scale { units *= 10 }
        return units
    }

    public static func + (left: ExactDecimal, right: ExactDecimal) -> ExactDecimal {
        let scale = max(left.scale, right.scale)
        return ExactDecimal(units: left.rescaled(to: scale) + right.rescaled(to: scale), scale: scale)
    }

    public static func == (left: ExactDecimal, right: ExactDecimal) -> Bool {
        let scale = max(left.scale, right.scale)
        return left.rescaled(to: scale) == right.rescaled(to: scale)
    }

    public func hash(into hasher: inout Hasher) {
        var (units, scale) = (units, scale)
        while scale > 0, units % 10 == 0 { (units, scale) = (units / 10, scale - 1) }
        hasher.combine(units)
        hasher.combine(scale)
    }

    public var description: String {
        let magnitude = String(units.magnitude)
        let padded = String(repeating: "0", count: max(0, scale + 1 - magnitude.count)) + magnitude
        let whole = String(padded.dropLast(scale))
        let fraction = scale > 0 ? "." + String(padded.suffix(scale)) : ""
        return (units < 0 ? "-" : "") + whole + fraction
    }
}
