import Foundation
import GatewayStore

/// An operator's browser for `bench console`, on one blocking keep-alive connection: it logs in with the token as
/// the form does (the pre-login cookie and CSRF field, then the login cookie) and fetches pages with it.
final class ConsoleProbe {
    private let connection: LoadConnection
    private var cookies: [String: String] = [:]
    private var buffer = [UInt8](repeating: 0, count: 4 * 1024 * 1024)

    private init(port: Int) throws {
        connection = try LoadConnection(port: port, timeout: .seconds(30))
    }

    /// Connects (retrying while the console starts listening, a minute at most) and logs in.
    static func loggedIn(port: Int, token: String) throws -> ConsoleProbe {
        var lastError: (any Error)?
        for _ in 0..<600 {
            do {
                let probe = try ConsoleProbe(port: port)
                try probe.logIn(token: token)
                return probe
            } catch {
                lastError = error
                usleep(100_000)
            }
        }
        throw CommandFailure("cannot log in to the console on port \(port): \(lastError.map { "\($0)" } ?? "")")
    }

    private func logIn(token: String) throws {
        let form = try exchange("GET", "/login")
        guard let range = form.body.range(of: "name=\"csrf\" value=\"") else {
            throw CommandFailure("the login page holds no CSRF field (status \(form.status))")
        }
        let csrf = String(form.body[range.upperBound...].prefix { $0 != "\"" })
        let answer = try exchange("POST", "/login", form: "csrf=\(csrf)&token=\(token)")
        guard answer.status == 303, cookies["ocgate_console"] != nil else {
            throw CommandFailure("the console refused the token (status \(answer.status))")
        }
    }

    /// Fetches `path` three times untimed, then `rounds` times timed; every answer must be 200.
    func time(_ path: String, rounds: Int) throws -> PageTiming {
        var milliseconds: [Double] = []
        var bytes = 0
        for round in 0..<(rounds + 3) {
            let start = ContinuousClock.now
            let page = try exchange("GET", path)
            let elapsed = ContinuousClock.now - start
            guard page.status == 200 else { throw CommandFailure("\(path) answered \(page.status)") }
            bytes = page.body.utf8.count
            if round >= 3 { milliseconds.append(elapsed.seconds * 1000) }
        }
        return PageTiming(milliseconds: milliseconds, bytes: bytes)
    }

    private func exchange(_ method: String, _ path: String, form: String? = nil) throws -> (status: Int, body: String) {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n"
        if !cookies.isEmpty {
            head += "Cookie: " + cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") + "\r\n"
        }
        if let form {
            head += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(form.utf8.count)\r\n"
        }
        try connection.send(Array((head + "\r\n" + (form ?? "")).utf8))
        let status = try connection.receiveResponse(into: &buffer)
        guard let head = try ResponseHead(buffer[...]) else { throw CommandFailure("an incomplete answer to \(path)") }
        let headText = String(decoding: buffer[..<head.length], as: UTF8.self)
        for line in headText.split(separator: "\r\n") where line.lowercased().hasPrefix("set-cookie:") {
            let pair = line.dropFirst("set-cookie:".count).split(separator: ";")[0].trimmingCharacters(in: .whitespaces)
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            cookies[parts[0]] = parts.count > 1 && !parts[1].isEmpty ? parts[1] : nil
        }
        return (status, String(decoding: buffer[head.length..<head.length + head.contentLength], as: UTF8.self))
    }
}
