/// The static OCID → metadata URL map of config/registry.toml (`"300" = "https://…/metadata.json"`).
///
/// It stands in for the on-chain Router Registry (§1.2) for peers known in advance, and is what the
/// demo and the tests resolve against.
public enum RegistryFile {
    /// Reads the map at `path`; a relative path is resolved against the working directory.
    /// - Throws: a `ConfigError` naming the entry when a key is not a decimal OCID, a value is not an
    ///   absolute http(s) URL, or two keys name the same OCID; or naming the file when it is missing
    ///   or not TOML.
    public static func load(path: String) throws(ConfigError) -> [UInt64: String] {
        let source = "file \(path)"
        let ocidFormat = ValueFormat<UInt64>.ocid
        let urlFormat = ValueFormat<String>.httpURL
        var urls: [UInt64: String] = [:]
        for (key, value) in try TOMLDocument.read(path: path).sorted(by: { $0.key < $1.key }) {
            guard let ocid = ocidFormat.fromText(key) else {
                throw ConfigError(key: key, source: source, problem: "expected a decimal OCID as the key, got \"\(key)\"")
            }
            guard let url = urlFormat.fromFile(value) else {
                throw ConfigError(
                    key: key, source: source,
                    problem: "expected a metadata URL (\(urlFormat.expected)), got \(value.shown)")
            }
            guard urls.updateValue(url, forKey: ocid) == nil else {
                throw ConfigError(key: key, source: source, problem: "OCID \(ocid) is listed twice")
            }
        }
        return urls
    }
}
