import Foundation
@testable import GatewayCLI
import Testing

/// The one parser behind every instant-taking option: each documented form, every field honoured, and everything
/// else refused with its reason (issue 18, item 3).
@Suite("instant arguments")
struct InstantArgumentTests {
    private static func seconds(_ text: String) throws -> TimeInterval {
        try InstantArgument.date(text).timeIntervalSince1970
    }

    private static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    @Test("each documented form names the instant it says", arguments: [
        // A date: 00:00:00Z of that day.
        ("2026-11-25", 1_795_564_800.0),
        ("2024-02-29", 1_709_164_800), ("2000-02-29", 951_782_400), ("1970-01-01", 0), ("1970-01-01T00:00:00+01:00", -3600),
        // A date-time with Z: every field counts (the bug: this read as 2026-12-02T00:00:00Z).
        ("2026-12-02T19:20:15Z", 1_796_239_215), ("9999-12-31T23:59:59Z", 253_402_300_799),
        // With an offset: the same instant.
        ("2026-12-02T21:20:15+02:00", 1_796_239_215), ("2026-12-02T14:50:15-04:30", 1_796_239_215),
        ("2026-12-03T01:20:15+06:00", 1_796_239_215), ("2026-12-02T19:20:15-00:00", 1_796_239_215),
        // Fractional seconds, to the millisecond.
        ("2026-12-02T19:20:15.5Z", 1_796_239_215.5), ("2026-12-02T19:20:15.25Z", 1_796_239_215.25),
        ("2026-12-02T19:20:15.250Z", 1_796_239_215.25), ("2026-12-02T21:20:15.001+02:00", 1_796_239_215.001),
        // Unix seconds.
        ("1796239215", 1_796_239_215), ("0", 0), ("253402300799", 253_402_300_799),
    ])
    func accepted(text: String, expected: Double) throws {
        #expect(abs(try Self.seconds(text) - expected) < 0.0001, "\(text)")
    }

    @Test("milliseconds survive into the database's resolution exactly")
    func millisecondsAreExact() throws {
        let date = try InstantArgument.date("2026-12-02T19:20:15.999Z")
        #expect(Int64((date.timeIntervalSince1970 * 1000).rounded()) == 1_796_239_215_999)
    }

    @Test("the parser agrees with Foundation's calendar on every day of a leap year and a common year")
    func agreesWithTheCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        for year in [2024, 2026, 2100] {
            var day = calendar.date(from: DateComponents(year: year, month: 1, day: 1))!
            while calendar.component(.year, from: day) == year {
                let parts = calendar.dateComponents([.month, .day], from: day)
                let text = "\(year)-\(Self.twoDigits(parts.month!))-\(Self.twoDigits(parts.day!))T13:14:15Z"
                #expect(try InstantArgument.date(text) == day.addingTimeInterval(13 * 3600 + 14 * 60 + 15), "\(text)")
                day = calendar.date(byAdding: .day, value: 1, to: day)!
            }
        }
    }

    @Test("anything else is refused with the reason, never rolled over or cut short", arguments: [
        ("2026-02-30", "2026-02, which has 28 days"), ("2025-02-29", "2025-02, which has 28 days"),
        ("2100-02-29", "2100-02, which has 28 days"), ("2026-04-31", "2026-04, which has 30 days"),
        ("2026-01-00", "day 00"), ("2026-13-01", "month 13"), ("2026-00-10", "month 00"),
        ("2026-12-02T24:00:00Z", "hour 24"), ("2026-12-02T23:60:00Z", "minute 60"), ("2026-12-02T23:59:60Z", "second 60"),
        ("2026-12-02T19:20:15", "Z or an offset"), ("2026-12-02T19:20:15+0200", "+HH:MM"),
        ("2026-12-02T19:20:15+24:00", "offset hours"), ("2026-12-02T19:20:15+02:60", "offset hours"),
        ("2026-12-02T19:20:15.1234Z", "at most 3 digits"), ("2026-12-02T19:20:15.Z", "digits after the decimal point"),
        ("2026-12-02T19:20Z", "HH:MM:SS"), ("2026-12-02T7:20:15Z", "HH:MM:SS"),
        ("2026-12-02 19:20:15Z", "expected a date"), ("2026-12-02t19:20:15Z", "expected a date"),
        ("2026-12-02T19:20:15Zjunk", "expected a date"), ("2026-12-02T19:20:15z", "Z or an offset"),
        ("2026-1-5", "expected a date"), ("26-01-05", "expected a date"), ("", "expected a date"),
        (" 2026-12-02", "expected a date"), ("2026-12-02 ", "expected a date"), ("now", "expected a date"),
        ("-1", "expected a date"), ("+1796239215", "expected a date"), ("1796239215.5", "expected a date"),
        ("1796239215000", "not milliseconds"), ("253402300800", "beyond the year 9999"),
        ("99999999999999999999999", "beyond the year 9999"), ("２０２６-12-02", "expected a date"),
        ("1969-12-31", "year 1969 is before 1970"), ("0000-01-01", "year 0 is before 1970"),
    ])
    func refused(text: String, reason: String) {
        #expect {
            try InstantArgument.date(text)
        } throws: { error in
            (error as? InstantArgument.Refusal)?.reason.contains(reason) == true
        }
    }

    @Test("every instant option refuses a bad value as a usage error, in one line that says why", arguments: [
        ["settle", "--until"], ["settle", "run", "--until"], ["settle", "report", "--from"], ["settle", "report", "--to"],
        ["sessions", "list", "--since"], ["sessions", "list", "--until"],
        ["jobs", "retry", "--all-dead", "--since"], ["jobs", "retry", "--all-dead", "--until"],
    ])
    func everyOptionUsesTheParser(option: [String]) async throws {
        let ending = try await OCGateProcess.run(option + ["2026-02-30"], timeout: .seconds(60))
        #expect(ending.exited)
        #expect(ending.result.status == 2, "\(ending.result.stderr)")
        #expect(ending.result.stderr.split(separator: "\n").count == 1, "\(ending.result.stderr)")
        #expect(ending.result.stderr.contains("\(option.last!) <"), "\(ending.result.stderr)")
        #expect(ending.result.stderr.contains("2026-02, which has 28 days"), "\(ending.result.stderr)")
    }
}
