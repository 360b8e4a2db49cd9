import Foundation
import GatewayOutbound
import Testing

@Suite struct RetryAfterTests {
    /// 1994-11-06 08:49:37 UTC, the RFC 9110 example date.
    let now = Date(timeIntervalSince1970: 784_111_777)

    @Test func deltaSeconds() {
        #expect(parseRetryAfter("120", now: now) == .seconds(120))
        #expect(parseRetryAfter(" 0 ", now: now) == .zero)
    }

    @Test(arguments: [
        "Sun, 06 Nov 1994 08:50:07 GMT",  // IMF-fixdate
        "Sunday, 06-Nov-94 08:50:07 GMT",  // RFC 850
        "Sun Nov  6 08:50:07 1994",  // asctime
    ])
    func httpDateIsRelativeToNow(value: String) {
        #expect(parseRetryAfter(value, now: now) == .seconds(30))
    }

    @Test func dateInThePastMeansNow() {
        #expect(parseRetryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now: now) == .zero)
    }

    @Test(arguments: ["", "soon", "-5", "1.5", "Sun, 06 Nov 1994", "99999999999999999999999"])
    func garbageIsNil(value: String) {
        #expect(parseRetryAfter(value, now: now) == nil)
    }
}
