import Foundation
import Opencharge

/// Why a key rotation could not be done or its record read; one line for the operator.
public enum KeyRotationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The current key could not be loaded, so there is nothing to rotate from.
    case currentKey(KeyFileError)
    /// The previous rotation's old key is still published; rotating again would stop publishing it early.
    case withinGrace(graceUntil: Int64)
    case invalidRecord(path: String, reason: String)
    case unwritable(KeyFileError)
    /// Every name for keeping the old private key is taken (many forced rotations in one second).
    case noNameForOldKey(path: String)

    public var description: String {
        switch self {
        case .currentKey(let problem): "cannot rotate: \(problem.description)"
        case .withinGrace(let graceUntil):
            "the previous rotation's old key is published until \(Self.timestamp(graceUntil)); "
                + "pass --force to rotate again now and stop publishing it"
        case .invalidRecord(let path, let reason): "key rotation record \(path) is not valid: \(reason)"
        case .unwritable(let problem): problem.description
        case .noNameForOldKey(let path): "cannot keep the old key: \(path) and its numbered variants all exist"
        }
    }

    private static func timestamp(_ seconds: Int64) -> String {
        Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(.iso8601)
    }
}
