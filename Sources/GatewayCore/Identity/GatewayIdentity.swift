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

    public init(
        ocid: UInt64, name: String, key: PrivateKey, publicURL: String, currencies: [String],
        previousKey: PublicKey? = nil, keyRotatedAt: Int64? = nil
    ) {
        self.ocid = ocid
        self.name = name
        self.key = key
        self.publicURL = publicURL
        self.currencies = currencies
        self.previousKey = previousKey
        self.keyRotatedAt = keyRotatedAt
    }

    /// The identity a configuration describes, with its key loaded from `gateway.key_file`.
    public init(configuration: GatewayConfiguration) throws(GatewayStartupError) {
        let gateway = configuration.gateway
        let key: PrivateKey
        do { key = try KeyFile.load(path: gateway.keyFile) } catch { throw .key(error.description) }
        var previous: PublicKey?
        if let hex = gateway.previousKey {
            do { previous = try PublicKey(hex: hex) } catch { throw .key("gateway.previous_key: \(error.description)") }
        }
        self.init(
            ocid: gateway.ocid, name: gateway.name, key: key, publicURL: gateway.publicURL, currencies: gateway.currencies,
            previousKey: previous, keyRotatedAt: gateway.keyRotatedAt)
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
