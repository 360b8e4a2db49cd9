import ArgumentParser
import Foundation

/// The one reader of every option that takes an instant (`settle --until`, `settle report --from/--to`,
/// `sessions list --since/--until`, `jobs retry --since/--until`). It accepts exactly these forms:
///
/// - a date, `2026-11-25`: 00:00:00Z of that day;
/// - a date-time with `Z` or an offset, `2026-11-25T10:00:00Z` or `2026-11-25T12:00:00+02:00`, with up to three
///   fractional digits (`10:00:00.250Z`);
/// - unix seconds, `1795000000`.
///
/// Every field is checked against the Gregorian calendar and nothing is rounded, rolled over or dropped: `2026-02-30`,
/// month 13, hour 24, a date-time without an offset (a local time means something else on every host) and digits
/// below the millisecond (the database keeps milliseconds) are refused, each with its reason. Years run from 1970 to
/// 9999, as unix seconds do here.
enum InstantArgument {
    /// The forms, as a refusal lists them.
    static let forms =
        "a date (2026-11-25), a date-time with Z or an offset (2026-11-25T10:00:00Z, 2026-11-25T12:00:00.250+02:00) or unix seconds (1795000000)"
    /// The forms, as an option's help names them.
    static let help = "a date (meaning its 00:00:00Z), a date-time with Z or an offset, or unix seconds"

    /// For `@Option(transform:)`: a refusal is a usage error (exit 2) that says why.
    static func parse(_ text: String) throws -> Date {
        do { return try date(text) } catch { throw ValidationError(error.reason) }
    }

    /// The instant `text` names.
    static func date(_ text: String) throws(Refusal) -> Date {
        var scanner = Scanner(text)
        if let seconds = try scanner.unixSeconds() { return Date(timeIntervalSince1970: TimeInterval(seconds)) }
        let day = try scanner.day()
        guard !scanner.atEnd else { return Date(timeIntervalSince1970: TimeInterval(day * 86_400)) }
        guard scanner.take("T") else { throw Refusal("expected \(forms)") }
        let time = try scanner.timeOfDay()
        let offset = try scanner.offset()
        guard scanner.atEnd else { throw Refusal("expected \(forms)") }
        let seconds = day * 86_400 + time.seconds - offset
        return Date(timeIntervalSince1970: TimeInterval(seconds) + TimeInterval(time.milliseconds) / 1000)
    }

    /// 9999-12-31T23:59:59Z: a four-digit year's last second, and far inside what milliseconds in an Int64 hold.
    fileprivate static let latest: Int64 = 253_402_300_799

    /// Why a value is not an instant.
    struct Refusal: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// Reads the fixed-width ASCII fields of the forms, left to right.
    private struct Scanner {
        private var rest: Substring.UTF8View

        init(_ text: String) { rest = Substring(text).utf8 }

        var atEnd: Bool { rest.isEmpty }

        /// The whole text as unix seconds when it is nothing but digits, otherwise nil.
        mutating func unixSeconds() throws(Refusal) -> Int64? {
            guard !rest.isEmpty, rest.allSatisfy(Self.isDigit) else { return nil }
            // Bounded so the database's Int64 of milliseconds cannot overflow; 13 digits are most likely
            // milliseconds, which must not be read as seconds.
            let seconds = rest.count > 12 ? nil : rest.reduce(Int64(0)) { $0 * 10 + Int64($1 - UInt8(ascii: "0")) }
            guard let seconds, seconds <= InstantArgument.latest else {
                throw Refusal("unix seconds beyond the year 9999 (give seconds, not milliseconds)")
            }
            rest = rest[rest.endIndex...]
            return seconds
        }

        /// `YYYY-MM-DD` as days since 1970-01-01.
        mutating func day() throws(Refusal) -> Int64 {
            guard let year = number(4), take("-"), let month = number(2), take("-"), let day = number(2) else {
                throw Refusal("expected \(InstantArgument.forms)")
            }
            // Nothing here happened earlier, and Foundation would print dates before 1583 in the Julian calendar.
            guard year >= 1970 else { throw Refusal("year \(year) is before 1970") }
            guard (1...12).contains(month) else { throw Refusal("month \(Self.twoDigits(month)) is not 01 to 12") }
            let length = Self.daysIn(month: month, year: year)
            guard (1...length).contains(day) else {
                throw Refusal("day \(Self.twoDigits(day)) is not in \(year)-\(Self.twoDigits(month)), which has \(length) days")
            }
            return Self.daysSinceEpoch(year: year, month: month, day: day)
        }

        /// `HH:MM:SS` with an optional fraction of one to three digits.
        mutating func timeOfDay() throws(Refusal) -> (seconds: Int64, milliseconds: Int64) {
            guard let hour = number(2), take(":"), let minute = number(2), take(":"), let second = number(2) else {
                throw Refusal("expected a time as HH:MM:SS after the T, like 2026-11-25T10:00:00Z")
            }
            guard hour < 24 else { throw Refusal("hour \(hour) is not 00 to 23") }
            guard minute < 60 else { throw Refusal("minute \(minute) is not 00 to 59") }
            guard second < 60 else { throw Refusal("second \(second) is not 00 to 59") }
            var milliseconds: Int64 = 0
            if take(".") {
                let digits = rest.prefix(while: Self.isDigit)
                guard (1...3).contains(digits.count) else {
                    throw Refusal(
                        digits.isEmpty
                            ? "expected digits after the decimal point"
                            : "fractional seconds finer than milliseconds would be dropped: give at most 3 digits")
                }
                rest = rest.dropFirst(digits.count)
                milliseconds = Int64(digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) })
                for _ in digits.count..<3 { milliseconds *= 10 }
            }
            return (Int64(hour * 3600 + minute * 60 + second), milliseconds)
        }

        /// `Z`, or `+HH:MM` / `-HH:MM`, in seconds east of UTC.
        mutating func offset() throws(Refusal) -> Int64 {
            if take("Z") { return 0 }
            let sign: Int64
            if take("+") { sign = 1 } else if take("-") { sign = -1 } else {
                throw Refusal("a date-time needs Z or an offset like +02:00; a local time is ambiguous")
            }
            guard let hours = number(2), take(":"), let minutes = number(2) else {
                throw Refusal("expected an offset as +HH:MM or -HH:MM")
            }
            guard hours < 24, minutes < 60 else { throw Refusal("offset hours are 00 to 23 and minutes 00 to 59") }
            return sign * Int64(hours * 3600 + minutes * 60)
        }

        mutating func take(_ character: Unicode.Scalar) -> Bool {
            guard rest.first == UInt8(ascii: character) else { return false }
            rest = rest.dropFirst()
            return true
        }

        /// Exactly `width` digits.
        private mutating func number(_ width: Int) -> Int? {
            let digits = rest.prefix(width)
            guard digits.count == width, digits.allSatisfy(Self.isDigit) else { return nil }
            rest = rest.dropFirst(width)
            return digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        }

        private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

        private static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

        private static func daysIn(month: Int, year: Int) -> Int {
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        }

        /// Days from 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's `days_from_civil`).
        private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int64 {
            let y = Int64(month <= 2 ? year - 1 : year)
            let era = (y >= 0 ? y : y - 399) / 400
            let yearOfEra = y - era * 400
            let dayOfYear = Int64((153 * ((month + 9) % 12) + 2) / 5 + day - 1)
            let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
            return era * 146_097 + dayOfEra - 719_468
        }
    }
}
