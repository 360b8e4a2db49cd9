import Foundation
import GatewayConfig
import Testing

@Suite("Bad configuration stops start-up with one line naming the key and its source")
struct ValidationTests {
    /// Loads and returns the error's single line, or fails the test when loading succeeds.
    private func failure(_ text: String = ConfigFixture.requiredOnly, environment: [String: String] = [:]) throws -> ConfigError {
        try #require(try ConfigFixture.failure(text, environment: environment))
    }

    private func withoutLine(_ prefix: String) -> String {
        ConfigFixture.requiredOnly.split(separator: "\n").filter { !$0.hasPrefix(prefix) }.joined(separator: "\n")
    }

    @Test func errorIsOneLineNamingKeySourceAndValue() throws {
        let error = try failure(environment: ["OCGATE_GATEWAY_OCID": "abc"])
        #expect(error.description == #"config: gateway.ocid (env OCGATE_GATEWAY_OCID): expected a non-negative integer, got "abc""#)
        #expect(!error.description.contains("\n"))
    }

    @Test(arguments: ["ocid", "name", "key_file", "public_url", "currencies"])
    func missingRequiredKey(name: String) throws {
        let path = try ConfigFixture.write(withoutLine(name + " ="))
        let error = try #require(throws: ConfigError.self) {
            try GatewayConfiguration.load(path: path, environment: [:])
        }
        #expect(error.key == "gateway.\(name)")
        #expect(error.source == "file \(path)")
        #expect(error.problem.contains("required key is missing"))
        #expect(error.problem.contains("OCGATE_GATEWAY_\(name.uppercased())"))
    }

    @Test func wrongTypeInFile() throws {
        let error = try failure(ConfigFixture.requiredOnly + "[http]\nport = \"8080\"\n")
        #expect(error.key == "http.port")
        #expect(error.source.hasPrefix("file "))
        #expect(error.problem == #"expected a port number from 1 to 65535, got "8080""#)
    }

    @Test func negativeOCID() throws {
        let error = try failure(withoutLine("ocid =") + "\nocid = -5\n")
        #expect(error.key == "gateway.ocid")
        #expect(error.problem == "expected a non-negative integer, got -5")
    }

    @Test func badDuration() throws {
        let error = try failure(environment: ["OCGATE_CHECKOUT_SESSION_TTL": "10 parsecs"])
        #expect(error.key == "checkout.session_ttl")
        #expect(error.source == "env OCGATE_CHECKOUT_SESSION_TTL")
        #expect(error.problem.hasSuffix(#"got "10 parsecs""#))
    }

    @Test func badDurationInAList() throws {
        let error = try failure(ConfigFixture.requiredOnly + "[delivery]\nschedule = [\"10s\", \"soon\"]\n")
        #expect(error.key == "delivery.schedule")
        #expect(error.problem.hasSuffix(#"got ["10s", "soon"]"#))
    }

    @Test(arguments: ["0", "65536", "-1"])
    func portOutOfRange(port: String) throws {
        let error = try failure(environment: ["OCGATE_HTTP_PORT": port])
        #expect(error.key == "http.port")
        #expect(error.problem == "expected a port number from 1 to 65535, got \"\(port)\"")
    }

    @Test(arguments: ["pay.example", "ftp://pay.example", "https://pay.example/", "https://pay.example?x=1", "https://"])
    func badPublicURL(url: String) throws {
        let error = try failure(environment: ["OCGATE_GATEWAY_PUBLIC_URL": url])
        #expect(error.key == "gateway.public_url")
        #expect(error.problem.contains("absolute http(s) URL"))
    }

    @Test func badIndexURL() throws {
        let error = try failure(ConfigFixture.requiredOnly + "[registry]\nindex_url = \"index.example\"\n")
        #expect(error.key == "registry.index_url")
    }

    @Test func unknownKeyWithSuggestion() throws {
        let error = try failure(ConfigFixture.requiredOnly + "[http]\nprot = 9090\n")
        #expect(error.key == "http.prot")
        #expect(error.problem == "unknown key (did you mean port?)")
    }

    @Test func unknownSection() throws {
        let error = try failure(ConfigFixture.requiredOnly + "[ratelimit]\nburst = 1\n")
        #expect(error.key == "ratelimit")
        #expect(error.problem == "unknown section (did you mean rate_limit?)")
    }

    @Test func keyOutsideAnySection() throws {
        let error = try failure("port = 9090\n" + ConfigFixture.requiredOnly)
        #expect(error.key == "port")
        #expect(error.problem == "a key outside any [section], or a section written as a value (got 9090)")
    }

    @Test func unknownEnvironmentVariable() throws {
        let error = try failure(environment: ["OCGATE_HTTP_PROT": "9090"])
        #expect(error.description == "config: env OCGATE_HTTP_PROT: unknown setting (did you mean OCGATE_HTTP_PORT?)")
    }

    @Test func unknownDurability() throws {
        let error = try failure(ConfigFixture.requiredOnly + "[store]\ndurability = \"fast\"\n")
        #expect(error.key == "store.durability")
        #expect(error.problem == #"expected one of full, normal, got "fast""#)
    }

    @Test func httpBackendNeedsItsURLs() throws {
        let error = try failure(environment: ["OCGATE_PAYMENT_BACKEND": "http"])
        #expect(error.key == "payment.http_start_url")
        #expect(error.problem.hasPrefix(#"required when payment.backend is "http""#))

        let partial = try failure(environment: [
            "OCGATE_PAYMENT_BACKEND": "http", "OCGATE_PAYMENT_HTTP_START_URL": "https://processor.example/start",
            "OCGATE_PAYMENT_HTTP_STATUS_URL": "https://processor.example/status",
        ])
        #expect(partial.key == "payment.http_auth_header")
    }

    @Test func httpBackendWithEverythingLoads() throws {
        let config = try ConfigFixture.load(environment: [
            "OCGATE_PAYMENT_BACKEND": "http", "OCGATE_PAYMENT_HTTP_START_URL": "https://processor.example/start",
            "OCGATE_PAYMENT_HTTP_STATUS_URL": "https://processor.example/status",
            "OCGATE_PAYMENT_HTTP_AUTH_HEADER": "Bearer s3cret",
        ])
        #expect(config.payment.backend == .http)
        #expect(config.payment.httpAuthHeader == "Bearer s3cret")
    }

    @Test func emptyAndDuplicateCurrencies() throws {
        #expect(try failure(environment: ["OCGATE_GATEWAY_CURRENCIES": ""]).key == "gateway.currencies")
        #expect(try failure(environment: ["OCGATE_GATEWAY_CURRENCIES": "USD,USD"]).key == "gateway.currencies")
        #expect(try failure(environment: ["OCGATE_GATEWAY_CURRENCIES": "usd"]).key == "gateway.currencies")
    }

    @Test func previousKeyShapes() throws {
        let x = String(repeating: "ab", count: 32)
        for key in [x + x, "04" + x + x, "02" + x] {
            #expect(try ConfigFixture.load(environment: ["OCGATE_GATEWAY_PREVIOUS_KEY": key]).gateway.previousKey == key)
        }
        for key in [x, "05" + x + x, String(repeating: "zz", count: 64)] {
            #expect(try failure(environment: ["OCGATE_GATEWAY_PREVIOUS_KEY": key]).key == "gateway.previous_key")
        }
    }

    @Test func basePathMustBeginThePublicURLPath() throws {
        let error = try failure(environment: ["OCGATE_HTTP_BASE_PATH": "/other"])
        #expect(error.key == "http.base_path")
        #expect(error.source == "env OCGATE_HTTP_BASE_PATH")
        #expect(try failure(environment: ["OCGATE_HTTP_BASE_PATH": "/ocgate/"]).key == "http.base_path")
    }

    @Test(arguments: [
        ("OCGATE_DELIVERY_JITTER", "1.5"), ("OCGATE_WORKERS_CONCURRENCY", "0"), ("OCGATE_RATE_LIMIT_BURST", "0"),
        ("OCGATE_HTTP_BODY_LIMIT", "64KB"), ("OCGATE_HTTP_BODY_LIMIT", "0"), ("OCGATE_DELIVERY_TIMEOUT", "0s"),
        ("OCGATE_PARTNERS_OPEN", "yes"), ("OCGATE_LOG_LEVEL", "verbose"), ("OCGATE_DELIVERY_SCHEDULE", ""),
        ("OCGATE_GATEWAY_KEY_ROTATED_AT", "-1"), ("OCGATE_GATEWAY_NAME", ""), ("OCGATE_GATEWAY_OCID", "+5"),
    ])
    func outOfRangeValues(variable: String, value: String) throws {
        let error = try failure(environment: [variable: value])
        #expect(error.source == "env \(variable)")
        #expect(error.problem.hasSuffix("got \"\(value)\""))
    }

    @Test func missingFileNamesThePath() throws {
        let path = ConfigFixture.packageRoot.appendingPathComponent("config/no-such-file.toml").path
        let error = try #require(throws: ConfigError.self) {
            try GatewayConfiguration.load(path: path, environment: [:])
        }
        #expect(error.description == "config: file \(path): file not found")
    }

    @Test func invalidTOMLNamesTheLine() throws {
        let error = try failure(ConfigFixture.requiredOnly + "[http]\nport = = 1\n")
        #expect(error.key == "")
        #expect(error.source.contains("line 8"))
        #expect(error.problem.hasPrefix("not valid TOML"))
    }

    @Test func effectiveValuesRedactTheAuthHeader() throws {
        let config = try ConfigFixture.load(environment: [
            "OCGATE_PAYMENT_BACKEND": "http", "OCGATE_PAYMENT_HTTP_START_URL": "https://processor.example/start",
            "OCGATE_PAYMENT_HTTP_STATUS_URL": "https://processor.example/status",
            "OCGATE_PAYMENT_HTTP_AUTH_HEADER": "Bearer s3cret",
        ])
        let values = config.effectiveValues()
        #expect(values.first { $0.key == "payment.http_auth_header" }?.value == "<redacted>")
        #expect(values.first { $0.key == "payment.http_start_url" }?.value == "https://processor.example/start")
        #expect(!values.contains { $0.value.contains("s3cret") })
    }

    @Test func effectiveValuesRedactThePostgresURL() throws {
        let config = try ConfigFixture.load(environment: [
            "OCGATE_STORE_BACKEND": "postgres",
            "OCGATE_STORE_POSTGRES_URL": "postgres://ocgate:s3cret@db.internal:5432/ocgate?sslmode=disable",
            "OCGATE_STORE_POOL_SIZE": "4",
        ])
        #expect(config.store.backend == .postgres)
        #expect(config.store.poolSize == 4)
        let values = config.effectiveValues()
        #expect(values.first { $0.key == "store.postgres_url" }?.value == "<redacted>")
        #expect(values.first { $0.key == "store.pool_size" }?.value == "4")
        #expect(!values.contains { $0.value.contains("s3cret") })
    }

    @Test func effectiveValuesRedactTheAdminToken() throws {
        let config = try ConfigFixture.load(environment: ["OCGATE_ADMIN_TOKEN": "operator-s3cret-token"])
        #expect(config.admin.token == "operator-s3cret-token")
        #expect(config.effectiveValues().first { $0.key == "admin.token" }?.value == "<redacted>")
        #expect(!config.effectiveValues().contains { $0.value.contains("s3cret") })
    }

    @Test func aShortAdminTokenIsRefused() throws {
        let error = try failure(environment: ["OCGATE_ADMIN_TOKEN": "short"])
        #expect(error.key == "admin.token")
        #expect(error.problem.contains("16 characters"))
    }

    @Test func thePostgresBackendNeedsAURL() throws {
        let error = try failure(environment: ["OCGATE_STORE_BACKEND": "postgres"])
        #expect(error.key == "store.postgres_url")
    }

    /// PostgreSQL takes whole milliseconds up to 2^31 - 1 (about 24.8 days): below a millisecond the SET would read
    /// 0, which is no timeout; above the limit every connection would fail at run time.
    @Test(arguments: ["0s", "500us", "25d"])
    func aStatementTimeoutPostgresCannotTakeIsRefused(value: String) throws {
        let error = try failure(environment: ["OCGATE_STORE_STATEMENT_TIMEOUT": value])
        #expect(error.key == "store.statement_timeout")
        #expect(error.problem.contains("from 1ms to 24d"), "\(error.problem)")
    }

    @Test func aStatementTimeoutOfDaysIsTaken() throws {
        #expect(try ConfigFixture.load(environment: ["OCGATE_STORE_STATEMENT_TIMEOUT": "24d"]).store.statementTimeout == .seconds(24 * 86_400))
    }

    @Test func aPoolOfNoConnectionsIsRefused() throws {
        let error = try failure(environment: ["OCGATE_STORE_POOL_SIZE": "0"])
        #expect(error.key == "store.pool_size")
    }
}
