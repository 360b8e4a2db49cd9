import Foundation
import HTTPTypes
import Opencharge

/// The headers every hosted page and console page carries: a Content-Security-Policy that allows nothing but the
/// page's own hashed stylesheet and forms, no framing, no caching.
package struct PageSecurity: Sendable {
    /// `'sha256-…'` of the inline stylesheet.
    package let styleSource: String

    package init(stylesheet: String) {
        styleSource = "'sha256-\(Data(SHA256Digest(hashing: Array(stylesheet.utf8)).bytes).base64EncodedString())'"
    }

    /// - Parameter redirectOrigins: where the page's forms may end up. Browsers apply `form-action` to the
    ///   redirect after a POST as well, so the merchant's success and cancel origins must be listed.
    package func headers(redirectOrigins: [String]) -> HTTPFields {
        let formAction = (["'self'"] + redirectOrigins).joined(separator: " ")
        var fields = HTTPFields()
        fields[.contentType] = "text/html; charset=utf-8"
        fields[.contentSecurityPolicy] =
            "default-src 'none'; style-src \(styleSource); img-src 'none'; form-action \(formAction); "
            + "frame-ancestors 'none'; base-uri 'none'"
        fields[HTTPField.Name("X-Frame-Options")!] = "DENY"
        fields[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        fields[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        fields[.cacheControl] = "no-store"
        return fields
    }

    /// `scheme://host[:port]` of an http(s) URL, as a CSP source; nil for anything else.
    package static func origin(of url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "https" || scheme == "http", let host = components.host, !host.isEmpty,
            host.allSatisfy({ $0.isLetter || $0.isNumber || ".-[]:".contains($0) })
        else { return nil }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }
}
