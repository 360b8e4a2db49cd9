/// An exact decimal amount. Money is never a float: amounts travel as strings (spec §4.1) and
/// are added as scaled integers of arbitrary size.
public struct DecimalAmount: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Base-10^9 limbs of the unscaled value, least significant first.
    private var limbs: [UInt32]
    /// Digits after the decimal point.
    public private(set) var scale: Int

    private static let base: UInt64 = 1_000_000_000

    public static let zero = DecimalAmount(limbs: [], scale: 0)

    private init(limbs: [UInt32], scale: Int) {
        self.limbs = limbs
        self.scale = scale
        trim()
    }

    /// True for `^\d+(\.\d+)?$`, the only amount syntax accepted on the wire.
    public static func isWellFormed(_ text: String) -> Bool {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        func digits(_ s: Substring) -> Bool { !s.isEmpty && s.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }
        return digits(parts[0]) && (parts.count == 1 || digits(parts[1]))
    }

    /// Parses a well-formed amount string; nil otherwise.
    public init?(_ text: String) {
        guard Self.isWellFormed(text) else { return nil }
        let parts = text.split(separator: ".", maxSplits: 1)
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        let digits = Array((String(parts[0]) + fraction).utf8).map { UInt32($0 - 48) }
        var limbs: [UInt32] = []
        var end = digits.count
        while end > 0 {
            let start = max(0, end - 9)
            limbs.append(digits[start..<end].reduce(0) { $0 * 10 + $1 })
            end = start
        }
        self.init(limbs: limbs, scale: fraction.count)
    }

    private mutating func trim() {
        while limbs.last == 0 { limbs.removeLast() }
    }

    private func rescaled(to newScale: Int) -> DecimalAmount {
        var result = self
        for _ in scale..<newScale { result.multiplyBy10() }
        result.scale = newScale
        return result
    }

    private mutating func multiplyBy10() {
        var carry: UInt64 = 0
        for i in limbs.indices {
            let value = UInt64(limbs[i]) * 10 + carry
            limbs[i] = UInt32(value % Self.base)
            carry = value / Self.base
        }
        if carry > 0 { limbs.append(UInt32(carry)) }
    }

    public static func + (lhs: DecimalAmount, rhs: DecimalAmount) -> DecimalAmount {
        let scale = max(lhs.scale, rhs.scale)
        let a = lhs.rescaled(to: scale).limbs
        let b = rhs.rescaled(to: scale).limbs
        var sum: [UInt32] = []
        var carry: UInt64 = 0
        for i in 0..<max(a.count, b.count) {
            let value = UInt64(i < a.count ? a[i] : 0) + UInt64(i < b.count ? b[i] : 0) + carry
            sum.append(UInt32(value % base))
            carry = value / base
        }
        if carry > 0 { sum.append(UInt32(carry)) }
        return DecimalAmount(limbs: sum, scale: scale)
    }

    public static func += (lhs: inout DecimalAmount, rhs: DecimalAmount) { lhs = lhs + rhs }

    /// Multiplies by a non-negative integer count (item quantity × unit price).
    public func times(_ count: Int) -> DecimalAmount {
        precondition(count >= 0)
        var result = DecimalAmount(limbs: [], scale: scale)
        var addend = self
        var n = count
        while n > 0 {
            if n & 1 == 1 { result += addend }
            addend += addend
            n >>= 1
        }
        return result
    }

    public static func < (lhs: DecimalAmount, rhs: DecimalAmount) -> Bool {
        let scale = max(lhs.scale, rhs.scale)
        let a = lhs.rescaled(to: scale).limbs
        let b = rhs.rescaled(to: scale).limbs
        if a.count != b.count { return a.count < b.count }
        for i in stride(from: a.count - 1, through: 0, by: -1) where a[i] != b[i] { return a[i] < b[i] }
        return false
    }

    /// Equal in value: `1.50` equals `1.5`.
    public static func == (lhs: DecimalAmount, rhs: DecimalAmount) -> Bool { !(lhs < rhs) && !(rhs < lhs) }

    public func hash(into hasher: inout Hasher) { hasher.combine(canonicalText) }

    /// The value without trailing fraction zeros (`1.50` → `1.5`, `2.00` → `2`), so equal values hash alike.
    private var canonicalText: String {
        var text = description
        guard scale > 0 else { return text }
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// The amount with exactly `scale` fraction digits, e.g. `0.30`.
    public var description: String {
        var digits = limbs.isEmpty ? "0" : String(limbs.last!)
        for limb in limbs.dropLast().reversed() {
            let part = String(limb)
            digits += String(repeating: "0", count: 9 - part.count) + part
        }
        guard scale > 0 else { return digits }
        if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
        let split = digits.index(digits.endIndex, offsetBy: -scale)
        return digits[..<split] + "." + digits[split...]
    }
}
