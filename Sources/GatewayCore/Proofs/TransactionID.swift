import Opencharge

/// Proof transaction ids: `pg_tx_` and 24 random hex characters (spec §13 item 16), never reused.
public enum TransactionID {
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return "pg_tx_" + Hex.encode((0..<12).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}
