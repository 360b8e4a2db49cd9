import Foundation

/// Parses a Retry-After header (delta seconds or an HTTP date) relative to `now`.
///
/// A date in the past means "now" (`.zero`); anything unparseable is nil, so the caller falls back to its own
/// schedule.
public func parseRetryAfter(_ value: String, now: Date) -> Duration? {
    let text = value.trimmingCharacters(in: .whitespaces)
    if !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
        return Int64(text).map { .seconds($0) }
    }
    // asctime pads the day with a space ("Nov  6"); one space between fields suits every form.
    guard let date = httpDate(text.split(separator: " ").joined(separator: " ")) else { return nil }
    let seconds = max(0, date.timeIntervalSince(now))
    return .milliseconds(Int64((seconds * 1000).rounded()))
}

/// The three date forms RFC 9110 requires a recipient to accept: IMF-fixdate, RFC 850 and asctime.
private func httpDate(_ text: String) -> Date? {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    for format in ["EEE, dd MMM yyyy HH:mm:ss 'GMT'", "EEEE, dd-MMM-yy HH:mm:ss 'GMT'", "EEE MMM d HH:mm:ss yyyy"] {
        formatter.dateFormat = format
        if let date = formatter.date(from: text) {
            return date
        }
    }
    return nil
}
