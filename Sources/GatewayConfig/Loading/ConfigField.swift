/// One key of a section: its TOML name, the property it sets, and how its value is read and shown.
struct ConfigField<Section> {
    let name: String
    let isRequired: Bool
    /// Secrets are read like any value but never shown in `effectiveValues()`.
    let isSecret: Bool
    let apply: (inout Section, RawSetting, _ key: String) throws(ConfigError) -> Void
    let text: (Section) -> String

    /// A key that must be set: there is no sensible default (the gateway's identity, say).
    static func required<Value>(
        _ name: String, _ property: WritableKeyPath<Section, Value>, _ format: ValueFormat<Value>
    ) -> Self {
        Self(
            name: name, isRequired: true, isSecret: false,
            apply: { section, raw, key throws(ConfigError) in section[keyPath: property] = try format.parse(raw, key: key) },
            text: { format.text($0[keyPath: property]) })
    }

    /// A key whose default is the section's initial value.
    static func value<Value>(
        _ name: String, _ property: WritableKeyPath<Section, Value>, _ format: ValueFormat<Value>
    ) -> Self {
        Self(
            name: name, isRequired: false, isSecret: false,
            apply: { section, raw, key throws(ConfigError) in section[keyPath: property] = try format.parse(raw, key: key) },
            text: { format.text($0[keyPath: property]) })
    }

    /// A key that may be left unset; an empty environment variable unsets it, and it shows as empty.
    static func optional<Value>(
        _ name: String, _ property: WritableKeyPath<Section, Value?>, _ format: ValueFormat<Value>,
        secret: Bool = false
    ) -> Self {
        Self(
            name: name, isRequired: false, isSecret: secret,
            apply: { section, raw, key throws(ConfigError) in
                if case .environment("") = raw.value {
                    section[keyPath: property] = nil
                } else {
                    section[keyPath: property] = try format.parse(raw, key: key)
                }
            },
            text: { section in section[keyPath: property].map(format.text) ?? "" })
    }
}
