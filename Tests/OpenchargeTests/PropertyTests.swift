import Opencharge
import Testing

/// A small deterministic generator so a failing case can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum Generate {
    static func string(_ rng: inout SplitMix64) -> String {
        let alphabet = Array("abcXYZ09 _-\"\\/\n\té€😀\u{1}\u{FF61}")
        return String((0..<Int.random(in: 0...8, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
    }

    static func value(_ rng: inout SplitMix64, depth: Int = 0) -> JSONValue {
        switch Int.random(in: 0...(depth > 3 ? 3 : 5), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .integer(Int64.random(in: -1_000_000...1_000_000_000_000, using: &rng))
        case 3: return .string(string(&rng))
        case 4: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in value(&rng, depth: depth + 1) })
        default:
            var seen = Set<String>()
            var members: [(key: String, value: JSONValue)] = []
            for _ in 0..<Int.random(in: 0...5, using: &rng) {
                let key = string(&rng)
                if seen.insert(key).inserted { members.append((key, value(&rng, depth: depth + 1))) }
            }
            return .object(JSONObject(members))
        }
    }

    /// The same value with every object's members shuffled and whitespace sprinkled in.
    static func reorderedText(_ value: JSONValue, _ rng: inout SplitMix64) -> String {
        let space = [" ", "\n", "\t", "", "  "].randomElement(using: &rng)!
        switch value {
        case .array(let elements):
            return "[" + space + elements.map { reorderedText($0, &rng) }.joined(separator: space + "," + space) + "]"
        case .object(let object):
            let members = object.members.shuffled(using: &rng).map {
                CanonicalJSON.string(.string($0.key)) + space + ":" + space + reorderedText($0.value, &rng)
            }
            return "{" + space + members.joined(separator: "," + space) + space + "}"
        default:
            return space + CanonicalJSON.string(value) + space
        }
    }
}

struct PropertyTests {
    @Test func signVerifyRoundTripsForRandomKeysAndMessages() throws {
        var rng = SplitMix64(state: 42)
        for _ in 0..<200 {
            let key = PrivateKey.generate()
            let message = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let digest = SHA256Digest(hashing: message)
            let signature = key.sign(digest)
            #expect(key.publicKey.verifies(try Signature(hex: signature.hex), over: digest))
            #expect(try PublicKey(hex: key.publicKey.hex) == key.publicKey)
            #expect(try PrivateKey(hex: key.hex).publicKey == key.publicKey)
        }
    }

    @Test func canonicalFormIsStableUnderReorderingAndWhitespace() throws {
        var rng = SplitMix64(state: 7)
        for _ in 0..<500 {
            let value = Generate.value(&rng)
            let canonical = CanonicalJSON.encode(value)
            let text = Generate.reorderedText(value, &rng)
            let reparsed = try JSONParser.parse(text)
            #expect(CanonicalJSON.encode(reparsed) == canonical, "\(text)")
            // Canonical output parses back to a value with the same canonical form.
            #expect(CanonicalJSON.encode(try JSONParser.parse(canonical)) == canonical)
        }
    }

    @Test func oneBitChangeAnywhereBreaksVerification() throws {
        let key = TestVectorTests.key
        let body = Array(#"{"order":{"id":"ord_1","amount":"9.99"},"merchantOcid":500}"#.utf8)
        let headers = key.signRequest(ocid: 300, method: "POST", path: "/checkout/create", body: body, timestamp: 1_706_500_000, nonce: "req_1")
        func verifies(_ body: [UInt8], _ signatureHex: String, path: String = "/checkout/create", nonce: String = "req_1") -> Bool {
            guard let signature = try? Signature(hex: signatureHex) else { return false }
            let canonical = CanonicalRequest(ocid: 300, timestamp: 1_706_500_000, nonce: nonce, method: "POST", path: path, body: body)
            return key.publicKey.verifies(signature, over: canonical.digest)
        }
        #expect(verifies(body, headers.signature))
        for index in body.indices {
            for bit in 0..<8 {
                var flipped = body
                flipped[index] ^= 1 << bit
                #expect(!verifies(flipped, headers.signature))
            }
        }
        let signatureBytes = Hex.decode(headers.signature)!
        for index in 0..<64 {  // r‖s; v is not covered by design
            for bit in 0..<8 {
                var flipped = signatureBytes
                flipped[index] ^= 1 << bit
                #expect(!verifies(body, Hex.encode(flipped)))
            }
        }
        #expect(!verifies(body, headers.signature, path: "/checkout/createX"))
        #expect(!verifies(body, headers.signature, nonce: "req_2"))
    }
}
