import Opencharge
import Testing

struct JSONParserTests {
    @Test func keepsMemberOrderAndNumberLiterals() throws {
        let value = try JSONParser.parse(#"{"b":1,"a":[12345678901234567890123,-0,1.50,2e3],"c":null}"#)
        #expect(value.objectValue?.keys == ["b", "a", "c"])
        #expect(value["a"]?.arrayValue?.map { $0.numberValue?.literal } == ["12345678901234567890123", "-0", "1.50", "2e3"])
        #expect(CanonicalJSON.string(value) == #"{"a":[12345678901234567890123,0,1.5,2000],"b":1,"c":null}"#)
    }

    @Test(arguments: [
        ("{\"a\":1,\"a\":2}", JSONParseError.Problem.duplicateKey("a")),
        ("{\"a\":1", .unexpectedEnd),
        ("{\"a\":1}x", .trailingData),
        ("[01]", .unexpectedByte(UInt8(ascii: "1"))),
        ("[1.]", .invalidNumber),
        ("[-]", .invalidNumber),
        ("[1e]", .invalidNumber),
        ("\"\\x\"", .invalidEscape),
        ("\"\\ud800\"", .unpairedSurrogate),
        ("\"\\udc00\"", .unpairedSurrogate),
        ("\"a\u{01}b\"", .controlCharacterInString),
        ("[NaN]", .unexpectedByte(UInt8(ascii: "N"))),
        ("", .unexpectedEnd),
        ("{'a':1}", .unexpectedByte(UInt8(ascii: "'"))),
    ])
    func refuses(_ text: String, _ problem: JSONParseError.Problem) {
        #expect { try JSONParser.parse(text) } throws: { ($0 as? JSONParseError)?.problem == problem }
    }

    @Test func refusesInvalidUTF8() {
        let bytes: [UInt8] = [0x22, 0xff, 0xfe, 0x22]
        #expect { try JSONParser.parse(bytes) } throws: { ($0 as? JSONParseError)?.problem == .invalidUTF8 }
        let overlong: [UInt8] = [0x22, 0xc0, 0xaf, 0x22]
        #expect { try JSONParser.parse(overlong) } throws: { ($0 as? JSONParseError)?.problem == .invalidUTF8 }
    }

    @Test func limitsDepth() throws {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect { try JSONParser.parse(deep) } throws: {
            ($0 as? JSONParseError)?.problem == .tooDeep(limit: JSONParser.defaultDepthLimit)
        }
        let fine = String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        _ = try JSONParser.parse(fine)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSONParser.parse(#""a\"b\\c\/d\n\u00e9\ud83d\ude00""#)
        #expect(value.stringValue == "a\"b\\c/d\né😀")
    }
}

struct CanonicalJSONTests {
    @Test func escapesLikeJavaScript() {
        let value: JSONValue = .string("q\"b\\s/\u{08}\u{0C}\n\r\t\u{01}\u{1f}é€😀\u{2028}")
        #expect(CanonicalJSON.string(value) == "\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001fé€😀\u{2028}\"")
    }

    @Test func sortsKeysByUTF16CodeUnits() {
        // UTF-8 byte order puts U+FF61 (EF BD A1) before U+1F600 (F0 9F 98 80); UTF-16 code units put
        // U+1F600 (D83D DE00) first, and UTF-16 order is what RFC 8785 and JavaScript use.
        let value: JSONValue = ["\u{FF61}": 1, "😀": 2, "b": 3, "B": 4, "aa": 5, "a": 6, "é": 7]
        #expect(CanonicalJSON.string(value) == "{\"B\":4,\"a\":6,\"aa\":5,\"b\":3,\"é\":7,\"😀\":2,\"\u{FF61}\":1}")
    }

    @Test(arguments: [
        ("1.0", "1"), ("1.50", "1.5"), ("1e21", "1e+21"), ("1e20", "100000000000000000000"), ("1.5e-7", "1.5e-7"),
        ("0.000001", "0.000001"), ("-2.5E+3", "-2500"), ("123.456", "123.456"), ("0.1", "0.1"), ("1e400", "null"),
        ("-0.0", "0"), ("5e-324", "5e-324"), ("1.7976931348623157e308", "1.7976931348623157e+308"),
    ])
    func formatsNumbersAsECMAScript(_ literal: String, _ expected: String) throws {
        #expect(CanonicalJSON.string(try JSONParser.parse("[\(literal)]")) == "[\(expected)]")
    }

    @Test func omitsNothingItWasGivenAndAddsNothing() throws {
        let value = try JSONParser.parse(#"{"z":{"y":[{"x":true,"w":false}]},"extra":"kept"}"#)
        #expect(CanonicalJSON.string(value) == #"{"extra":"kept","z":{"y":[{"w":false,"x":true}]}}"#)
    }

    @Test func legacyFormForFlatObjectsEqualsRecursive() throws {
        let flat = try JSONParser.parse(#"{"b":"2","a":1}"#)
        #expect(CanonicalJSON.encodeLegacy(flat) == CanonicalJSON.encode(flat))
    }

    @Test func legacyFormKeepsOnlyTopLevelNamesAtDepthInAllowListOrder() throws {
        let value = try JSONParser.parse(#"{"b":{"b":1,"x":2,"a":3},"a":[{"a":1,"q":2}]}"#)
        #expect(String(decoding: CanonicalJSON.encodeLegacy(value), as: UTF8.self) == #"{"a":[{"a":1}],"b":{"a":3,"b":1}}"#)
    }
}
