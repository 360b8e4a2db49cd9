import Foundation
import GatewayConfig
import Testing

@Suite("gateway.previous_key_grace: how long a rotated-away key stays published")
struct PreviousKeyGraceTests {
    @Test func defaultsToADay() throws {
        #expect(try ConfigFixture.load().gateway.previousKeyGrace == .seconds(24 * 3600))
    }

    @Test func readsDurationsFromFileAndEnvironment() throws {
        let file = try ConfigFixture.load(ConfigFixture.requiredOnly.replacingOccurrences(
            of: "[gateway]\n", with: "[gateway]\nprevious_key_grace = \"72h\"\n"))
        #expect(file.gateway.previousKeyGrace == .seconds(72 * 3600))
        let env = try ConfigFixture.load(environment: ["OCGATE_GATEWAY_PREVIOUS_KEY_GRACE": "0s"])
        #expect(env.gateway.previousKeyGrace == .zero)
    }

    @Test func aBadValueNamesTheKey() throws {
        let error = try #require(try ConfigFixture.failure(environment: ["OCGATE_GATEWAY_PREVIOUS_KEY_GRACE": "a day"]))
        #expect(error.key == "gateway.previous_key_grace")
        #expect(!error.description.contains("\n"))
    }
}
