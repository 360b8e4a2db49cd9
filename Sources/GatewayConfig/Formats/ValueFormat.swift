/// How one kind of setting is read from an environment variable or the TOML file, and written back as text.
///
/// An environment value is always text; a file value has a TOML type. Both must describe the same
/// value, so that any effective value printed as text can be fed back as an environment override.
struct ValueFormat<Value> {
    /// What a valid value looks like, completing "expected …" in error messages.
    let expected: String
    let fromText: (String) -> Value?
    let fromFile: (FileValue) -> Value?
    let text: (Value) -> String

    /// A format whose file form is a TOML string holding the same text as the environment form.
    init(expected: String, fromText: @escaping (String) -> Value?, text: @escaping (Value) -> String) {
        self.init(
            expected: expected, fromText: fromText,
            fromFile: { value in
                guard case .string(let string) = value else { return nil }
                return fromText(string)
            },
            text: text)
    }

    init(
        expected: String, fromText: @escaping (String) -> Value?,
        fromFile: @escaping (FileValue) -> Value?, text: @escaping (Value) -> String
    ) {
        self.expected = expected
        self.fromText = fromText
        self.fromFile = fromFile
        self.text = text
    }

    /// Parses `raw`, or throws the one-line error naming `key`, the source and the offending value.
    func parse(_ raw: RawSetting, key: String) throws(ConfigError) -> Value {
        let parsed: Value? =
            switch raw.value {
            case .file(let value): fromFile(value)
            case .environment(let text): fromText(text)
            }
        guard let parsed else {
            throw ConfigError(key: key, source: raw.source, problem: "expected \(expected), got \(raw.shown)")
        }
        return parsed
    }

    /// The same format, narrowed to values that pass `isValid`; `expected` describes the narrower set.
    func checked(_ expected: String, _ isValid: @escaping (Value) -> Bool) -> ValueFormat<Value> {
        ValueFormat(
            expected: expected,
            fromText: { text in fromText(text).flatMap { isValid($0) ? $0 : nil } },
            fromFile: { value in fromFile(value).flatMap { isValid($0) ? $0 : nil } },
            text: text)
    }
}

extension ValueFormat where Value: Comparable {
    /// The same format, limited to `range`.
    func within(_ range: ClosedRange<Value>, _ expected: String) -> ValueFormat<Value> {
        checked(expected) { range.contains($0) }
    }
}
