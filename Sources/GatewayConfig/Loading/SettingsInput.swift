import Foundation

/// The raw values of every setting, from the TOML file with `OCGATE_*` environment variables on top,
/// checked against the known keys but not yet parsed.
struct SettingsInput {
    let file: ConfigFile
    /// Raw values by dotted key (`http.port`); an environment value replaces the file's.
    private(set) var values: [String: RawSetting] = [:]

    /// Reads `file` and the `OCGATE_*` variables of `environment`.
    /// - Parameter schema: each section's name with its key names.
    init(file: ConfigFile, environment: [String: String], schema: [(section: String, keys: [String])]) throws(ConfigError) {
        self.file = file
        if case .path(let path) = file { try readFile(path, schema: schema) }
        try readEnvironment(environment, schema: schema)
    }

    /// The environment variable that overrides `key`: `rate_limit.per_second` → `OCGATE_RATE_LIMIT_PER_SECOND`.
    static func environmentName(of key: String) -> String {
        "OCGATE_" + key.replacingOccurrences(of: ".", with: "_").uppercased()
    }

    /// Where `key`'s effective value came from.
    func source(of key: String) -> String {
        values[key]?.source ?? "default"
    }

    /// The error for a required key that neither the file nor the environment sets.
    func missing(_ key: String, problem: String = "required key is missing") -> ConfigError {
        let variable = Self.environmentName(of: key)
        return switch file {
        case .path(let path):
            ConfigError(key: key, source: "file \(path)", problem: "\(problem) (set it in the file or with \(variable))")
        case .missingDefault(let path):
            ConfigError(
                key: key, source: "no config file, \(path) does not exist", problem: "\(problem) (set it with \(variable))")
        }
    }

    private mutating func readFile(_ path: String, schema: [(section: String, keys: [String])]) throws(ConfigError) {
        let fileSource = "file \(path)"
        for (sectionName, sectionValue) in try TOMLDocument.read(path: path).sorted(by: { $0.key < $1.key }) {
            guard case .table(let section) = sectionValue else {
                throw ConfigError(
                    key: sectionName, source: fileSource,
                    problem: "a key outside any [section], or a section written as a value (got \(sectionValue.shown))")
            }
            guard let known = schema.first(where: { $0.section == sectionName }) else {
                let hint = NameSuggestion.closest(to: sectionName, among: schema.map(\.section))
                throw ConfigError(key: sectionName, source: fileSource, problem: "unknown section" + hint)
            }
            for (keyName, value) in section.sorted(by: { $0.key < $1.key }) {
                let key = "\(sectionName).\(keyName)"
                guard known.keys.contains(keyName) else {
                    let hint = NameSuggestion.closest(to: keyName, among: known.keys)
                    throw ConfigError(key: key, source: fileSource, problem: "unknown key" + hint)
                }
                values[key] = RawSetting(value: .file(value), source: fileSource)
            }
        }
    }

    private mutating func readEnvironment(
        _ environment: [String: String], schema: [(section: String, keys: [String])]
    ) throws(ConfigError) {
        var keysByVariable: [String: String] = [:]
        for (section, keys) in schema {
            for keyName in keys {
                let key = "\(section).\(keyName)"
                keysByVariable[Self.environmentName(of: key)] = key
            }
        }
        // Sorted so that, with several unknown variables, the same one is reported every time.
        for (variable, text) in environment.sorted(by: { $0.key < $1.key })
        where variable.hasPrefix("OCGATE_") && !GatewayConfiguration.reservedVariables.contains(variable) {
            guard let key = keysByVariable[variable] else {
                let hint = NameSuggestion.closest(to: variable, among: Array(keysByVariable.keys))
                throw ConfigError(key: "", source: "env \(variable)", problem: "unknown setting" + hint)
            }
            values[key] = RawSetting(value: .environment(text), source: "env \(variable)")
        }
    }
}
