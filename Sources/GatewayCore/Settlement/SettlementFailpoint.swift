import Foundation
import GatewayConfig

/// A stop point for the crash tests: with `OCGATE_FAILPOINT=settle.before-commit` (or `settle.after-commit`) a
/// settlement run announces on stderr that it reached that point of its first statement and waits there, so a
/// test can kill it with SIGKILL at exactly that moment. Unset in production, where it costs one nil check.
public struct SettlementFailpoint: Sendable {
    /// Where in a statement's life the run stops.
    public enum Point: String, Sendable {
        /// Everything written, the transaction not yet committed.
        case beforeCommit = "settle.before-commit"
        /// The statement committed, its files not yet written.
        case afterCommit = "settle.after-commit"
    }

    public let point: Point

    /// The failpoint the environment asks for, if any.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Self? {
        environment[GatewayConfiguration.failpointVariable].flatMap(Point.init(rawValue:)).map(Self.init(point:))
    }

    /// Waits (bounded, 60 s) when `reached` is this failpoint's point.
    func reached(_ reached: Point) {
        guard reached == point else { return }
        FileHandle.standardError.write(Data("failpoint \(point.rawValue) reached\n".utf8))
        Thread.sleep(forTimeInterval: 60)
    }
}
