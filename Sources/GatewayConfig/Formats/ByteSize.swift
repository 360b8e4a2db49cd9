/// Byte counts as configuration text: `65536`, `64KiB`, `1MiB`, `2GiB`.
public enum ByteSize {
    private static let units: [(suffix: String, bytes: Int)] = [
        ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10),
    ]

    /// Reads a whole number of bytes, optionally with a binary unit (KiB, MiB, GiB); nil otherwise.
    public static func parse(_ text: String) -> Int? {
        let unit = units.first { text.hasSuffix($0.suffix) }
        let digits = text.dropLast(unit?.suffix.count ?? 0)
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let amount = Int(digits) else { return nil }
        guard case (let bytes, false) = amount.multipliedReportingOverflow(by: unit?.bytes ?? 1) else { return nil }
        return bytes
    }

    /// Writes `bytes` with the largest unit that divides it exactly, so that `parse` reads it back.
    public static func format(_ bytes: Int) -> String {
        guard bytes > 0, let unit = units.first(where: { bytes % $0.bytes == 0 }) else { return String(bytes) }
        return "\(bytes / unit.bytes)\(unit.suffix)"
    }
}
