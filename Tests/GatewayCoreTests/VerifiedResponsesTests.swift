@testable import GatewayCore
import Opencharge
import Testing

struct VerifiedResponsesTests {
    private let mg = PrivateKey.generate()
    private let other = PrivateKey.generate()
    private let reply = SHA256Digest(hashing: Array(#"{"status":"accepted"}"#.utf8))

    @Test func aRememberedSignatureStillVerifiesOnlyItsOwnDigestAndKey() {
        let memory = VerifiedResponses()
        let signature = mg.sign(reply)
        #expect(memory.verify(signature, over: reply, keys: [mg.publicKey]))
        #expect(memory.verify(signature, over: reply, keys: [mg.publicKey]), "the same reply again")
        #expect(!memory.verify(signature, over: reply, keys: [other.publicKey]), "another MG's key")
        #expect(!memory.verify(signature, over: SHA256Digest(hashing: Array("other".utf8)), keys: [mg.publicKey]))
        #expect(memory.verify(signature, over: reply, keys: [other.publicKey, mg.publicKey]), "a previous key verifies")
        #expect(memory.remembered == 1, "one reply, remembered once")
    }

    @Test func aBadSignatureIsRefusedEveryTime() {
        let memory = VerifiedResponses()
        let forged = other.sign(reply)
        for _ in 0..<3 { #expect(!memory.verify(forged, over: reply, keys: [mg.publicKey])) }
        #expect(memory.remembered == 0)
    }

    @Test func aFullMemoryStartsOverAndKeepsVerifying() {
        let memory = VerifiedResponses(capacity: 2)
        let digests = (0..<5).map { SHA256Digest(hashing: Array("reply \($0)".utf8)) }
        for digest in digests {
            #expect(memory.verify(mg.sign(digest), over: digest, keys: [mg.publicKey]))
            #expect((1...2).contains(memory.remembered), "bounded by its capacity")
        }
        for digest in digests { #expect(memory.verify(mg.sign(digest), over: digest, keys: [mg.publicKey])) }
        #expect(!memory.verify(mg.sign(digests[0]), over: digests[1], keys: [mg.publicKey]))
    }
}
