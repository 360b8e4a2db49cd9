import Foundation
import GatewayConfig
import Opencharge

/// Who this gateway is on the network: its OCID, name, key and public address.
public struct GatewayIdentity: Sendable {
    public let ocid: UInt64
    public let name: String
    public let key: PrivateKey
    /// The public base URL, without a trailing slash; protocol paths are appended to it.
    public let publicURL: String
    public let currencies: [String]
    /// The key published as `previousKey` during a rotation's grace period.
    public let previousKey: PublicKey?
    public let keyRotatedAt: Int64?
    /// When `previousKey` stops being published, in Unix seconds; nil publishes it until the configuration drops it.
    public let previousKeyGraceUntil: Int64?

    public init(
        ocid: UInt64, name: String, key: PrivateKey, publicURL: String, currencies: [String],
        previousKey: PublicKey? = nil, keyRotatedAt: Int64? = nil, previousKeyGraceUntil: Int64? = nil
    ) {
        self.ocid = ocid
        self.name = name
        self.key = key
        self.publicURL = publicURL
        self.currencies = currencies
        self.previousKey = previousKey
        self.keyRotatedAt = keyRotatedAt
        self.previousKeyGraceUntil = previousKeyGraceUntil
    }

    /// The identity a configuration describes, with its key loaded from `gateway.key_file`.
    ///
    /// The previous key comes from `gateway.previous_key` when set (published for `gateway.previous_key_grace`
    /// after `gateway.key_rotated_at`, or until removed when that is unset); otherwise from the rotation record
    /// `ocgate keys rotate` left beside the key file.
    public init(configuration: GatewayConfiguration) throws(GatewayStartupError) {
        let gateway = configuration.gateway
        let key: PrivateKey
        do { key = try KeyFile.load(path: gateway.keyFile) } catch { throw .key(error.description) }
        if let hex = gateway.previousKey {
            let previous: PublicKey
            do { previous = try PublicKey(hex: hex) } catch { throw .key("gateway.previous_key: \(error.description)") }
            self.init(
                ocid: gateway.ocid, name: gateway.name, key: key, publicURL: gateway.publicURL,
                currencies: gateway.currencies, previousKey: previous, keyRotatedAt: gateway.keyRotatedAt,
                previousKeyGraceUntil: gateway.keyRotatedAt.map { $0 + gateway.previousKeyGrace.components.seconds })
            return
        }
        let record: KeyRotationRecord?
        do { record = try KeyRotationRecord.load(forKeyFile: gateway.keyFile) } catch { throw .key(error.description) }
        let rotation = record.flatMap { $0.isCompleted(currentKey: key.publicKey) ? $0 : nil }
        self.init(
            ocid: gateway.ocid, name: gateway.name, key: key, publicURL: gateway.publicURL, currencies: gateway.currencies,
            previousKey: rotation?.publicKey, keyRotatedAt: rotation?.rotatedAt, previousKeyGraceUntil: rotation?.graceUntil)
    }

    /// The previous key to publish at `now`: nil when there is none or its grace period is over.
    public func publishedPreviousKey(at now: Date) -> PublicKey? {
        if let end = previousKeyGraceUntil, now.unixSeconds >= end { return nil }
        return previousKey
    }
}

/// Why the gateway cannot start; one line for the operator.
public enum GatewayStartupError: Error, Sendable, CustomStringConvertible {
    case key(String)
    case storage(String)
    case configuration(String)

    public var description: String {
        switch self {
        case .key(let problem): problem
        case .storage(let problem): problem
        case .configuration(let problem): problem
        }
    }
}
