import Foundation
import GatewayConfig
import Testing

@Suite("[settlement] configuration")
struct SettlementConfigTests {
    @Test("statement delivery is off by default and settles only accepted proofs")
    func defaults() throws {
        let settlement = try ConfigFixture.load().settlement
        #expect(settlement.requireAccepted)
        #expect(settlement.notify.isEmpty)
        #expect(settlement.notifyURL(for: 300) == nil)
    }

    @Test("notify maps MGs to their statement URLs, from the file or the environment")
    func notifyTargets() throws {
        let file = try ConfigFixture.load(
            ConfigFixture.requiredOnly
                + "[settlement]\nnotify = [\"300=https://mg.example/statements\", \"301=http://127.0.0.1:9/s\"]\n")
        #expect(file.settlement.notifyURL(for: 300) == "https://mg.example/statements")
        #expect(file.settlement.notifyURL(for: 301) == "http://127.0.0.1:9/s")
        #expect(file.settlement.notifyURL(for: 302) == nil)
        let environment = try ConfigFixture.load(environment: ["OCGATE_SETTLEMENT_NOTIFY": "400=https://a.example/x"])
        #expect(environment.settlement.notify == [StatementNotifyTarget(mgOCID: 400, url: "https://a.example/x")])
    }

    @Test(arguments: ["300", "300=ftp://mg.example", "abc=https://mg.example", "300=https://a.example,300=https://b.example"])
    func badNotify(value: String) throws {
        let error = try #require(try ConfigFixture.failure(environment: ["OCGATE_SETTLEMENT_NOTIFY": value]))
        #expect(error.key == "settlement.notify")
        #expect(error.problem.contains("OCID=URL"))
    }

    @Test("OCGATE_FAILPOINT is a test stop point, not an unknown setting")
    func failpointIsReserved() throws {
        _ = try ConfigFixture.load(environment: ["OCGATE_FAILPOINT": "settle.before-commit"])
        #expect(try ConfigFixture.failure(environment: ["OCGATE_FAILPOINTS": "x"])?.problem.contains("unknown setting") == true)
    }
}
