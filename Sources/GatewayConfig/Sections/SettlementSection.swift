/// `[settlement]`: what `ocgate settle` nets into statements.
public struct SettlementSection: Sendable, Equatable {
    /// True settles only proofs the MG accepted; false also settles proofs still being delivered.
    public var requireAccepted: Bool

    /// Makes a section with the documented default.
    public init(requireAccepted: Bool = true) {
        self.requireAccepted = requireAccepted
    }
}

extension SettlementSection: ConfigSection {
    static let name = "settlement"
    static var unread: Self { Self() }
    static var fields: [ConfigField<Self>] {
        [.value("require_accepted", \.requireAccepted, .flag)]
    }
}
