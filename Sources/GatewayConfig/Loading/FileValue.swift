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
