import GatewayConfig
import Testing

@Suite("config/registry.toml: OCID → metadata URL")
struct RegistryFileTests {
    @Test func loadsEntries() throws {
        let path = try ConfigFixture.write(
            """
            # comment
            "100" = "https://settle.example/metadata.json"
            "18446744073709551615" = "http://127.0.0.1:9000/metadata.json"
            """, name: "registry.toml")
        #expect(
            try RegistryFile.load(path: path) == [
                100: "https://settle.example/metadata.json", UInt64.max: "http://127.0.0.1:9000/metadata.json",
            ])
    }

    @Test func emptyFileIsAnEmptyMap() throws {
        #expect(try RegistryFile.load(path: ConfigFixture.write("# nobody yet\n", name: "registry.toml")).isEmpty)
    }

    @Test(arguments: ["abc", "-1", "3.5", "1e3", ""])
    func rejectsNonIntegerOCID(key: String) throws {
        let path = try ConfigFixture.write("\"\(key)\" = \"https://mg.example/metadata.json\"\n", name: "registry.toml")
        let error = try #require(throws: ConfigError.self) { try RegistryFile.load(path: path) }
        #expect(error.key == key)
        #expect(error.source == "file \(path)")
        #expect(error.problem == "expected a decimal OCID as the key, got \"\(key)\"")
    }

    @Test(arguments: ["\"mg.example/metadata.json\"", "\"ftp://mg.example/m.json\"", "300", "[\"https://mg.example\"]"])
    func rejectsNonURLValue(value: String) throws {
        let path = try ConfigFixture.write("\"300\" = \(value)\n", name: "registry.toml")
        let error = try #require(throws: ConfigError.self) { try RegistryFile.load(path: path) }
        #expect(error.key == "300")
        #expect(error.problem.hasPrefix("expected a metadata URL"))
    }

    @Test func rejectsTheSameOCIDTwice() throws {
        let path = try ConfigFixture.write(
            "\"300\" = \"https://a.example/m.json\"\n\"0300\" = \"https://b.example/m.json\"\n", name: "registry.toml")
        let error = try #require(throws: ConfigError.self) { try RegistryFile.load(path: path) }
        #expect(error.problem == "OCID 300 is listed twice")
    }

    @Test func missingFileNamesThePath() {
        let error = #expect(throws: ConfigError.self) { try RegistryFile.load(path: "/nonexistent/registry.toml") }
        #expect(error?.description == "config: file /nonexistent/registry.toml: file not found")
    }
}
