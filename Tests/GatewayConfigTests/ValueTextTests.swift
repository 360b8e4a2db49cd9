import GatewayConfig
import Testing

@Suite("Duration and byte-size text")
struct ValueTextTests {
    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("30s", .seconds(30)), ("10m", .seconds(600)), ("72h", .seconds(259_200)),
        ("1d", .seconds(86400)), ("1h30m", .seconds(5400)), ("1m500ms", .milliseconds(60500)), ("0s", .zero),
        ("30", .seconds(30)),
    ])
    func parses(text: String, value: Duration) {
        #expect(Duration(configText: text) == value)
    }

    @Test(arguments: ["", "10 parsecs", "s", "-5s", "1.5s", "5x", "10s ", "+5", "9999999999999999999d"])
    func rejects(text: String) {
        #expect(Duration(configText: text) == nil)
    }

    @Test(arguments: [
        (Duration.milliseconds(500), "500ms"), (.seconds(90), "1m30s"), (.seconds(72 * 3600), "72h"), (.zero, "0s"),
        (.seconds(86400), "24h"), (.milliseconds(3_723_004), "1h2m3s4ms"),
    ])
    func prints(value: Duration, text: String) {
        #expect(value.configText == text)
    }

    @Test func roundTrips() {
        let samples: [Duration] = [
            .milliseconds(1), .milliseconds(999), .seconds(59), .seconds(61), .milliseconds(3_600_001),
            .seconds(7 * 86400 + 1), .milliseconds(123_456_789),
        ]
        for value in samples {
            #expect(Duration(configText: value.configText) == value)
        }
        for text in ["500ms", "30s", "10m", "72h", "1h30m", "6h"] {
            #expect(Duration(configText: text)?.configText == text)
        }
    }

    @Test func byteSizes() {
        #expect(ByteSize.parse("65536") == 65536)
        #expect(ByteSize.parse("64KiB") == 65536)
        #expect(ByteSize.parse("1MiB") == 1_048_576)
        #expect(ByteSize.parse("1GiB") == 1 << 30)
        for bad in ["", "KiB", "64KB", "1.5MiB", "-1", "64 KiB", "99999999999999999999"] {
            #expect(ByteSize.parse(bad) == nil, "\(bad)")
        }
        for bytes in [0, 1, 1000, 1024, 65536, 1_048_576, 1_049_600, 3 << 30] {
            #expect(ByteSize.parse(ByteSize.format(bytes)) == bytes)
        }
        #expect(ByteSize.format(65536) == "64KiB")
        #expect(ByteSize.format(1000) == "1000")
    }
}
