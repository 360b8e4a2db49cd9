/// `[registry]`: how peer OCIDs are resolved to metadata URLs.
public struct RegistrySection: Sendable, Equatable {
    /// The static OCID → metadata URL file (see `RegistryFile`); a relative path is resolved against
    /// the working directory.
    public var file: String
    /// An Opencharge index service consulted for OCIDs the file does not list; nil to use the file only.
    public var indexURL: String?

    /// Makes a section with the documented defaults.
    public init(file: String = "config/registry.toml", indexURL: String? = nil) {
        self.file = file
        self.indexURL = indexURL
    }
}

extension RegistrySection: ConfigSection {
    static let name = "registry"
    static var unread: Self { Self() }
    static var fields: [ConfigField<Self>] {
        [
            .value("file", \.file, .nonEmptyText),
            .optional("index_url", \.indexURL, .httpURL),
        ]
    }
}
