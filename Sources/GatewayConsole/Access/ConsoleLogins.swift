import Foundation
import GatewayStore
import Opencharge

/// One operator's login: the cookie's secret and the CSRF token its forms carry.
struct ConsoleLogin: Sendable, Equatable {
    let id: String
    let csrfToken: String
    let expiresAt: Date
}

/// What an action did, shown once on the page the browser is sent to next.
struct Flash: Sendable, Equatable {
    var text: String
    /// Refused or failed: shown as an alert.
    var isAlert: Bool
}

/// The logins of this console process, in memory: a restart logs every operator out, and a login made on one host
/// is not valid on another (each host's console is reached on its own loopback address anyway).
///
/// `@unchecked Sendable`: the dictionary is only touched under `lock`.
final class ConsoleLogins: @unchecked Sendable {
    private let lock = NSLock()
    private var logins: [String: ConsoleLogin] = [:]
    private var flashes: [String: Flash] = [:]
    private let ttl: Duration
    private let time: any TimeSource

    init(ttl: Duration, time: any TimeSource) {
        self.ttl = ttl
        self.time = time
    }

    /// A new login, valid for the session TTL.
    func open() -> ConsoleLogin {
        let now = time.now()
        let login = ConsoleLogin(id: Self.secret(), csrfToken: Self.secret(), expiresAt: now.adding(ttl))
        lock.withLock {
            logins = logins.filter { $0.value.expiresAt > now }
            flashes = flashes.filter { logins[$0.key] != nil }
            logins[login.id] = login
        }
        return login
    }

    /// The live login a cookie names; nil when unknown or expired (an expired one is forgotten).
    func login(id: String) -> ConsoleLogin? {
        let now = time.now()
        return lock.withLock {
            guard let login = logins[id] else { return nil }
            guard login.expiresAt > now else {
                logins[id] = nil
                return nil
            }
            return login
        }
    }

    func close(id: String) {
        lock.withLock {
            logins[id] = nil
            flashes[id] = nil
        }
    }

    /// Keeps `flash` for the login's next page (kept here, not in a query string, so nobody can put words on an
    /// operator's page with a crafted link).
    func keep(_ flash: Flash, for id: String) {
        lock.withLock { flashes[id] = flash }
    }

    func takeFlash(id: String) -> Flash? {
        lock.withLock { flashes.removeValue(forKey: id) }
    }

    /// 32 random bytes, hex: unguessable, and safe in a cookie and a form field as it is.
    static func secret() -> String { Hex.random(byteCount: 32) }
}
