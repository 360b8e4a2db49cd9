import Foundation

/// Which configuration file is read, if any.
public enum ConfigFile: Sendable, Equatable {
    /// A file that is read and must exist.
    case path(String)
    /// The default file, which does not exist: the built-in defaults and the environment are the whole
    /// configuration, so a container or a test run from another folder needs no files.
    case missingDefault(String)

    /// The file the command line reads: the one named by `--config` (`named`), else by `OCGATE_CONFIG`, which must
    /// then exist (a typo must not silently fall back to defaults); else `defaultPath` if it exists.
    public static func choose(
        named: String?, environment: [String: String], defaultPath: String = GatewayConfiguration.defaultPath
    ) throws(ConfigError) -> ConfigFile {
        let variable = GatewayConfiguration.pathVariable
        if let name = named ?? environment[variable] {
            guard !name.isEmpty else {
                throw ConfigError(key: "", source: named == nil ? "env \(variable)" : "--config", problem: "the file name is empty")
            }
            return .path(name)
        }
        return FileManager.default.fileExists(atPath: defaultPath) ? .path(defaultPath) : .missingDefault(defaultPath)
    }
}
