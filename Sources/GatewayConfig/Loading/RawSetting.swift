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
