import Opencharge

/// A string as a JSON string literal, for `--json` output.
func jsonString(_ text: String) -> String { CanonicalJSON.string(.string(text)) }
