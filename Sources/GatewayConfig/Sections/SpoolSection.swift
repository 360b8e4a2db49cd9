/// `[spool]`: the folder holding the database, inbox, outbox and statements.
public struct SpoolSection: Sendable, Equatable {
    /// The spool folder; a relative path is resolved against the working directory.
    public var dir: String

    /// Makes a section with the documented default.
    public init(dir: String = "spool") {
        self.dir = dir
    }
}

extension SpoolSection: ConfigSection {
    static let name = "spool"
    static var unread: Self { Self() }
    static var fields: [ConfigField<Self>] {
        [.value("dir", \.dir, .nonEmptyText)]
    }
}
