import Opencharge
import Testing

@Suite("Random ids and nonces")
struct RandomIdentifierTests {
    @Test(arguments: [1, 7, 8, 12, 16, 33])
    func hexOfTheRequestedLength(byteCount: Int) {
        let text = Hex.random(byteCount: byteCount)
        #expect(text.count == byteCount * 2)
        #expect(Hex.decode(text)?.count == byteCount)
        #expect(text == text.lowercased())
    }

    @Test func drawsDoNotRepeat() {
        let nonces = (0..<1_000).map { _ in Nonce.generate() }
        #expect(Set(nonces).count == 1_000)
        #expect(nonces.allSatisfy { $0.hasPrefix("req_") && $0.count == 36 })
        // Every byte position varies (a draw that reused or zeroed part of a word would not).
        let columns = (0..<16).map { index in Set(nonces.map { Hex.decode($0.dropFirst(4))![index] }) }
        #expect(columns.allSatisfy { $0.count > 100 })
    }
}
