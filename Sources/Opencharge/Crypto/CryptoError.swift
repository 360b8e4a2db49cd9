/// Why a key or signature could not be used.
public enum CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformedHex(what: String)
    case wrongLength(what: String, got: Int, expected: String)
    case invalidPrivateKey
    case keyNotOnCurve
    case signatureValueOutOfRange
    case malformedDER

    public var description: String {
        switch self {
        case .malformedHex(let what): "\(what) is not hexadecimal"
        case .wrongLength(let what, let got, let expected): "\(what) has \(got) hex characters, expected \(expected)"
        case .invalidPrivateKey: "private key is zero or not below the curve order"
        case .keyNotOnCurve: "public key is not a point on secp256k1"
        case .signatureValueOutOfRange: "signature r or s is zero or not below the curve order"
        case .malformedDER: "signature is not valid DER"
        }
    }
}
