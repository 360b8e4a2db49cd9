/// A `[section]` of the configuration file, described by its fields so that reading, environment
/// names, unknown-key checks and `effectiveValues()` all come from one list.
protocol ConfigSection {
    /// The TOML table name, `rate_limit` for example.
    static var name: String { get }
    /// The keys, in the order the shipped file and `effectiveValues()` list them.
    static var fields: [ConfigField<Self>] { get }
    /// The section before reading: defaults for optional keys, placeholders for required ones.
    static var unread: Self { get }
    /// Checks that span several keys of the section, after each key has been read.
    func validate(in settings: SettingsInput) throws(ConfigError)
}

extension ConfigSection {
    static var keyNames: [String] { fields.map(\.name) }

    func validate(in settings: SettingsInput) throws(ConfigError) {}

    /// Reads the section's keys from `settings`, leaving defaults where nothing was set.
    init(reading settings: SettingsInput) throws(ConfigError) {
        var section = Self.unread
        for field in Self.fields {
            let key = "\(Self.name).\(field.name)"
            if let raw = settings.values[key] {
                try field.apply(&section, raw, key)
            } else if field.isRequired {
                throw settings.missing(key)
            }
        }
        try section.validate(in: settings)
        self = section
    }

    /// Every key with the text of its value, secrets redacted.
    var effectiveValues: [(key: String, value: String)] {
        Self.fields.map { field in
            let text = field.text(self)
            return ("\(Self.name).\(field.name)", field.isSecret && !text.isEmpty ? "<redacted>" : text)
        }
    }
}
