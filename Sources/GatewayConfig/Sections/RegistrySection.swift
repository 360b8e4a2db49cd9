import Foundation

/// `[registry]`: how peer OCIDs are resolved to metadata URLs.
public struct RegistrySection: Sendable, Equatable {
    /// Where the static map is read when `file` is not set.
    public static let defaultFile = "config/registry.toml"

    /// The static OCID → metadata URL file (see `RegistryFile`); a relative path is resolved against
    /// the working directory. Setting it (in the file, the environment or code) names it.
    public var file: String { didSet { fileIsNamed = true } }
    /// Whether `file` was named rather than left at its default: a named file must exist, a missing default one
    /// means an empty map (a container needs no files; `index_url` may resolve everything).
    public private(set) var fileIsNamed: Bool
    /// An Opencharge index service consulted for OCIDs the file does not list; nil to use the file only.
    public var indexURL: String?

    /// Makes a section; without `file`, the default one, which may be missing.
    public init(file: String? = nil, indexURL: String? = nil) {
        self.file = file ?? Self.defaultFile
        self.fileIsNamed = file != nil
        self.indexURL = indexURL
    }

    /// The static map: the named file, or the default one when it exists.
    /// - Throws: the `ConfigError` of a named file that is missing, or of a file that is not a valid map.
    public func entries() throws(ConfigError) -> [UInt64: String] {
        guard fileIsNamed || FileManager.default.fileExists(atPath: file) else { return [:] }
        return try RegistryFile.load(path: file)
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
