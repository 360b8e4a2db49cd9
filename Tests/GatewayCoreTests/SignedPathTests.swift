@testable import GatewayCore
import Testing

/// The path forms a request signature is checked against, and their order (spec §3.2 [REC]).
struct SignedPathTests {
    @Test func withoutABasePathTheTargetIsTriedWithAndWithoutItsQuery() {
        #expect(SignedPath.candidates(target: "/checkout/create?trace=1", basePath: "") == ["/checkout/create?trace=1", "/checkout/create"])
        #expect(SignedPath.candidates(target: "/capabilities", basePath: "") == ["/capabilities"])
    }

    @Test func aPrefixedTargetIsTriedInFullThenBaseRelative() {
        #expect(
            SignedPath.candidates(target: "/opencharge/checkout/create?trace=1", basePath: "/opencharge") == [
                "/opencharge/checkout/create?trace=1", "/opencharge/checkout/create", "/checkout/create?trace=1",
                "/checkout/create",
            ])
    }

    /// A proxy that strips the prefix hands on the base-relative target; the caller signed the full one.
    @Test func aStrippedTargetGetsItsPrefixBackForTheFullForm() {
        #expect(
            SignedPath.candidates(target: "/checkout/create?trace=1", basePath: "/opencharge") == [
                "/opencharge/checkout/create?trace=1", "/opencharge/checkout/create", "/checkout/create?trace=1",
                "/checkout/create",
            ])
        #expect(SignedPath.candidates(target: "/capabilities", basePath: "/opencharge") == ["/opencharge/capabilities", "/capabilities"])
    }

    @Test func aPathThatOnlyStartsLikeTheBaseIsNotUnderIt() {
        #expect(
            SignedPath.candidates(target: "/opencharged/x", basePath: "/opencharge") == ["/opencharge/opencharged/x", "/opencharged/x"])
        #expect(SignedPath.candidates(target: "/opencharge?x=1", basePath: "/opencharge") == ["/opencharge?x=1", "/opencharge", "/?x=1", "/"])
    }
}
