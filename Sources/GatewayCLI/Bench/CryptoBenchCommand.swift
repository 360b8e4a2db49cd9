import ArgumentParser
import Foundation
import Opencharge

/// `ocgate bench crypto`: single-thread throughput of the signing core.
struct CryptoBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crypto",
        abstract: "Sign, verify, canonical JSON and canonical request building on one core.")

    @Option(help: "Operations per measurement.")
    var count = 20_000

    @Flag(help: "Print the results as JSON.")
    var json = false

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive") }
    }

    func run() throws {
        let key = PrivateKey.generate()
        let order = try JSONParser.parse(Self.specOrder)
        let body = Array(CanonicalJSON.encode(["order": order, "merchantOcid": 500]))
        let digests = (0..<count).map { SHA256Digest(hashing: Array("message \($0)".utf8)) }
        let signatures = digests.map { key.sign($0) }
        let publicKey = try PublicKey(hex: key.publicKey.hex)

        var results: [(name: String, opsPerSecond: Double)] = []
        results.append(("sign", measure { i in _ = key.sign(digests[i]) }))
        results.append(("verify", measure { i in precondition(publicKey.verifies(signatures[i], over: digests[i])) }))
        results.append(("canonical_json_order", measure { _ in _ = CanonicalJSON.encode(order) }))
        results.append(("canonical_request", measure { i in
            _ = CanonicalRequest(ocid: 300, timestamp: 1_706_500_000, nonce: "req_\(i)", method: "POST", path: "/checkout/create", body: body).digest
        }))

        if json {
            let fields = results.map { "\"\($0.name)\":\(Int($0.opsPerSecond))" }.joined(separator: ",")
            print("{\"count\":\(count),\"ops_per_second\":{\(fields)}}")
        } else {
            print("ocgate bench crypto: \(count) operations each, one thread")
            for result in results {
                print("  \(result.name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(Int(result.opsPerSecond)) ops/s")
            }
        }
    }

    private func measure(_ body: (Int) -> Void) -> Double {
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for i in 0..<count { body(i) }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(count) / seconds
    }

    /// The order example of spec §4.2.
    static let specOrder = #"{"id":"ord_abc123","ocid":500,"reference":"INV-001","amount":"99.99","currency":"USD","items":[{"id":"item_001","name":"Product A","quantity":1,"price":"99.99"}],"memo":"Order from Merchant Store","createdAt":1706313600,"expiresAt":1706400000,"accepts":[100,101,102]}"#
}
