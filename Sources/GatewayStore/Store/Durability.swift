/// How hard a commit tries to survive power loss.
public enum Durability: String, Sendable, CaseIterable {
    /// `synchronous=FULL`: a commit that returned survives power loss (the default).
    case full
    /// `synchronous=NORMAL`: faster; the last commits may be lost on power loss, never corrupted.
    case normal
}
