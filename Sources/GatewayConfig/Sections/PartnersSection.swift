/// `[partners]`: which Merchant Gateways may call.
public struct PartnersSection: Sendable, Equatable {
    /// True lets any resolvable MG call; false admits only MGs added with `ocgate partners add`.
    public var open: Bool

    /// Makes a section with the documented default (closed).
    public init(open: Bool = false) {
        self.open = open
    }
}

extension PartnersSection: ConfigSection {
    static let name = "partners"
    static var unread: Self { Self() }
    static var fields: [ConfigField<Self>] {
        [.value("open", \.open, .flag)]
    }
}
