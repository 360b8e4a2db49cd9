import Foundation
import GatewayTestSupport
import Testing

struct DemoCommandTests {
    @Test func demoAutoPaysAndPrintsAProofTheMerchantGatewayAcceptedAndThatVerifies() throws {
        let directory = try OCGateProcess.temporaryDirectory()
        let result = try OCGateProcess.run(
            ["demo", "--auto", "--timeout", "60", "--config", OCGateProcess.packageRoot.appendingPathComponent("config/ocgate.toml").path],
            environment: [
                "OCGATE_SPOOL_DIR": directory.appendingPathComponent("spool").path,
                "OCGATE_GATEWAY_KEY_FILE": directory.appendingPathComponent("gateway.key").path,
                "OCGATE_HTTP_PORT": String(closedLoopbackPort()),
            ],
            in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("/pay/cs_"))
        #expect(result.stdout.contains(#""issuer":200"#))
        #expect(result.stdout.contains(#""to":{"ocid":500"#))
        #expect(result.stdout.contains("verified with the gateway's published key: yes"))
    }
}
