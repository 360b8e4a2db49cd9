extension Duration {
    private static let units: [(suffix: String, milliseconds: Int64)] = [
        ("h", 3_600_000), ("ms", 1), ("m", 60_000), ("s", 1_000), ("d", 86_400_000),
    ]
    /// The units `configText` writes, largest first; days are read but not written, hours read better.
    private static let writtenUnits: [(suffix: String, milliseconds: Int64)] = [
        ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1),
    ]

    /// Reads a configuration duration: `500ms`, `30s`, `10m`, `72h`, `1d`, compounds like `1h30m`,
    /// or a bare whole number of seconds (`30`).
    ///
    /// Returns nil for anything else, including negative or fractional amounts and values too
    /// large to count in milliseconds.
    public init?(configText text: String) {
        if text.allSatisfy({ $0.isASCII && $0.isNumber }), let seconds = Int64(text) {
            guard case (let ms, false) = seconds.multipliedReportingOverflow(by: 1_000) else { return nil }
            self = .milliseconds(ms)
            return
        }
        var rest = Substring(text)
        var total: Int64 = 0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            rest = rest.dropFirst(digits.count)
            // "ms" must be tried before "m": the unit list is ordered so that it is.
            guard let amount = Int64(digits),
                let unit = Self.units.first(where: { rest.hasPrefix($0.suffix) })
            else { return nil }
            rest = rest.dropFirst(unit.suffix.count)
            guard case (let part, false) = amount.multipliedReportingOverflow(by: unit.milliseconds),
                case (let sum, false) = total.addingReportingOverflow(part)
            else { return nil }
            total = sum
        }
        self = .milliseconds(total)
    }

    /// The duration as configuration text, in whole milliseconds: `1h30m`, `500ms`, `0s`.
    ///
    /// `Duration(configText: d.configText) == d` for every duration of whole milliseconds.
    public var configText: String {
        if self < .zero { return "-" + (Duration.zero - self).configText }
        let (seconds, attoseconds) = components
        var remaining = seconds * 1_000 + attoseconds / 1_000_000_000_000_000
        guard remaining > 0 else { return "0s" }
        var text = ""
        for unit in Self.writtenUnits where remaining >= unit.milliseconds {
            text += "\(remaining / unit.milliseconds)\(unit.suffix)"
            remaining %= unit.milliseconds
        }
        return text
    }
}
