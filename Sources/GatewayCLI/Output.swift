import Foundation
import Opencharge

/// A string as a JSON string literal, for `--json` output.
func jsonString(_ text: String) -> String { CanonicalJSON.string(.string(text)) }

/// Prints a line at once, unbuffered: for long-running commands whose output another program reads while
/// they run (`print` holds lines back while stdout is a pipe or a file).
func printNow(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
