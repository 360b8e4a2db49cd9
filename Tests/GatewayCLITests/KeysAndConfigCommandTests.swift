import Foundation
import Opencharge
import Testing

struct KeysAndConfigCommandTests {
    let config = OCGateProcess.packageRoot.appendingPathComponent("config/ocgate.toml").path

    @Test func versionAndHelp() throws {
        let version = try OCGateProcess.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
        let help = try OCGateProcess.run(["--help"])
        #expect(help.status == 0)
        for verb in ["keys", "config", "bench"] { #expect(help.stdout.contains(verb)) }
    }

    @Test func generateWritesAPrivateKeyOnlyItsOwnerCanRead() throws {
        let dir = try OCGateProcess.temporaryDirectory()
        let keyPath = dir.appendingPathComponent("keys/gateway.key").path
        let result = try OCGateProcess.run(["keys", "generate", "--out", keyPath, "--config", config])
        #expect(result.status == 0)
        let printed = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let key = try KeyFile.load(path: keyPath)
        #expect(printed == key.publicKey.hex)
        #expect(printed.count == 128)
        let text = try String(contentsOfFile: keyPath, encoding: .utf8)
        #expect(text.trimmingCharacters(in: .whitespacesAndNewlines).count == 64)
        let mode = try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func generateRefusesToOverwriteWithoutForce() throws {
        let dir = try OCGateProcess.temporaryDirectory()
        let keyPath = dir.appendingPathComponent("gateway.key").path
        let first = try OCGateProcess.run(["keys", "generate", "--out", keyPath, "--config", config])
        let second = try OCGateProcess.run(["keys", "generate", "--out", keyPath, "--config", config])
        #expect(second.status == 1)
        #expect(second.stderr.contains("already exists"))
        #expect(second.stderr.split(separator: "\n").count == 1)
        #expect(try KeyFile.load(path: keyPath).publicKey.hex == first.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let forced = try OCGateProcess.run(["keys", "generate", "--out", keyPath, "--force", "--config", config])
        #expect(forced.status == 0)
        #expect(forced.stdout != first.stdout)
    }

    @Test func showPrintsTheConfiguredPublicKey() throws {
        let dir = try OCGateProcess.temporaryDirectory()
        let keyPath = dir.appendingPathComponent("gateway.key").path
        let generated = try OCGateProcess.run(["keys", "generate", "--out", keyPath, "--config", config])
        let shown = try OCGateProcess.run(["keys", "show", "--config", config], environment: ["OCGATE_GATEWAY_KEY_FILE": keyPath])
        #expect(shown.status == 0)
        #expect(shown.stdout == generated.stdout)
    }

    @Test func showRefusesAKeyOthersCanRead() throws {
        let dir = try OCGateProcess.temporaryDirectory()
        let keyPath = dir.appendingPathComponent("gateway.key").path
        _ = try OCGateProcess.run(["keys", "generate", "--out", keyPath, "--config", config])
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyPath)
        let shown = try OCGateProcess.run(["keys", "show", "--config", config], environment: ["OCGATE_GATEWAY_KEY_FILE": keyPath])
        #expect(shown.status == 1)
        #expect(shown.stderr.contains("chmod 600"))
    }

    @Test func configCheckPrintsEffectiveValuesWithoutSecrets() throws {
        let result = try OCGateProcess.run(
            ["config", "check", "--config", config],
            environment: [
                "OCGATE_HTTP_PORT": "9191", "OCGATE_PAYMENT_BACKEND": "http",
                "OCGATE_PAYMENT_HTTP_START_URL": "https://psp.example/charges",
                "OCGATE_PAYMENT_HTTP_STATUS_URL": "https://psp.example/charges/{id}",
                "OCGATE_PAYMENT_HTTP_AUTH_HEADER": "Authorization: Bearer sk_live_secret",
            ])
        #expect(result.status == 0)
        #expect(result.stdout.contains("http.port = 9191"))
        #expect(result.stdout.contains("gateway.ocid = 200"))
        #expect(!result.stdout.contains("sk_live_secret"))
        let json = try OCGateProcess.run(["config", "check", "--json", "--config", config])
        #expect(try JSONParser.parse(json.stdout.trimmingCharacters(in: .whitespacesAndNewlines))["http.port"] == "8080")
    }

    @Test func badConfigIsOneLineNamingTheKey() throws {
        let result = try OCGateProcess.run(["config", "check", "--config", config], environment: ["OCGATE_STORE_DURABILITY": "fast"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("store.durability"))
        #expect(result.stderr.split(separator: "\n").count == 1)
        let missing = try OCGateProcess.run(["config", "check", "--config", "/nonexistent/ocgate.toml"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("/nonexistent/ocgate.toml"))
    }

    /// PostgreSQL's TLS parameters are read by the backend, not the config loader; `config check` checks them too,
    /// without connecting (port 1 answers nobody), and refuses in one line without the password.
    @Test func configCheckRefusesAPostgresURLTheBackendCannotUse() throws {
        let postgres = ["OCGATE_STORE_BACKEND": "postgres"]
        for (query, problem) in [
            ("sslmode=prefer", "store.postgres_url: sslmode=prefer is not supported"),
            ("sslmode=verify-full&sslrootcert=/nonexistent/ca.pem", "store.postgres_url: sslrootcert=/nonexistent/ca.pem cannot be read"),
        ] {
            let result = try OCGateProcess.run(
                ["config", "check", "--config", config],
                environment: postgres.merging(["OCGATE_STORE_POSTGRES_URL": "postgres://gw:s3cret-pw@127.0.0.1:1/gw?\(query)"]) { $1 })
            #expect(result.status == 1, "\(query)")
            #expect(result.stderr.contains(problem), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(!result.stderr.contains("s3cret-pw"))
        }
        let fine = try OCGateProcess.run(
            ["config", "check", "--config", config],
            environment: postgres.merging(["OCGATE_STORE_POSTGRES_URL": "postgres://gw:s3cret-pw@127.0.0.1:1/gw?sslmode=require"]) { $1 })
        #expect(fine.status == 0, "\(fine.stderr)")
    }

    @Test func usageErrorsExitWithTwoAndOneLine() throws {
        // A value with a line break in it still makes one line: the break is written as \n.
        for arguments in [["keys", "bogus"], ["bench", "crypto", "--count", "0"], ["no-such-verb"], ["jobs", "show", "a\nb"]] {
            let result = try OCGateProcess.run(arguments)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("Error: "), "\(arguments)")
        }
        #expect(try OCGateProcess.run(["jobs", "show", "a\nb"]).stderr.contains(#"'a\nb'"#))
    }

    @Test func benchCryptoReportsEveryMeasurement() throws {
        let result = try OCGateProcess.run(["bench", "crypto", "--count", "200", "--json"])
        #expect(result.status == 0)
        let report = try JSONParser.parse(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        for name in ["sign", "verify", "canonical_json_order", "canonical_request"] {
            #expect((report["ops_per_second"]?[name]?.numberValue?.uint64Value ?? 0) > 0, "\(name)")
        }
    }
}
