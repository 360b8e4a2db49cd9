import Opencharge

/// Proof transaction ids: `pg_tx_` and 24 random hex characters (spec §13 item 16), never reused.
public enum TransactionID {
    public static func generate() -> String {
        "pg_tx_" + Hex.random(byteCount: 12)
    }
}
