import Foundation
import TOMLKit

/// Reads a TOML file into plain values, turning every way it can fail into a `ConfigError` naming the file.
enum TOMLDocument {
    /// The top-level table of the file at `path`.
    static func read(path: String) throws(ConfigError) -> [String: FileValue] {
        let source = "file \(path)"
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigError(key: "", source: source, problem: "file not found")
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(key: "", source: source, problem: "cannot read the file as UTF-8 text")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(
                key: "", source: "\(source), line \(error.source.begin.line), column \(error.source.begin.column)",
                problem: "not valid TOML: \(error.description)")
        } catch {
            throw ConfigError(key: "", source: source, problem: "not valid TOML")
        }
        return FileValue.entries(of: table)
    }
}

extension FileValue {
    /// Copies a TOMLKit node into a value that does not point into the parsed document.
    fileprivate init(_ node: any TOMLValueConvertible) {
        switch node.type {
        case .string: self = .string(node.string ?? "")
        case .int: self = .integer(node.int ?? 0)
        case .double: self = .float(node.double ?? 0)
        case .bool: self = .boolean(node.bool ?? false)
        case .array: self = .array(node.array.map { $0.map(FileValue.init) } ?? [])
        case .table: self = .table(node.table.map(FileValue.entries) ?? [:])
        case .date, .time, .dateTime: self = .other(typeName: node.type.description)
        }
    }

    fileprivate static func entries(of table: TOMLTable) -> [String: FileValue] {
        var entries: [String: FileValue] = [:]
        for key in table.keys {
            if let node = table[key] { entries[key] = FileValue(node) }
        }
        return entries
    }
}
