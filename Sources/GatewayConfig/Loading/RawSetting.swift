/// A value as the TOML file wrote it, copied out of the parser so that nothing outlives its document.
indirect enum FileValue: Equatable {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    case array([FileValue])
    case table([String: FileValue])
    /// Dates and times: never a valid value here, kept only to name them in errors.
    case other(typeName: String)

    /// How an error message shows the value: as TOML would write it, or by kind when it is large.
    var shown: String {
        switch self {
        case .string(let text): "\"\(text)\""
        case .integer(let number): String(number)
        case .float(let number): String(number)
        case .boolean(let flag): String(flag)
        case .array(let items): "[" + items.map(\.shown).joined(separator: ", ") + "]"
        case .table: "a table"
        case .other(let typeName): "a \(typeName)"
        }
    }
}

/// One setting before it is parsed: its text or file value, and where it came from.
struct RawSetting {
    enum Value {
        case file(FileValue)
        case environment(String)
    }

    let value: Value
    /// `file <path>` or `env OCGATE_…`, as error messages name it.
    let source: String

    var shown: String {
        switch value {
        case .file(let fileValue): fileValue.shown
        case .environment(let text): "\"\(text)\""
        }
    }
}
