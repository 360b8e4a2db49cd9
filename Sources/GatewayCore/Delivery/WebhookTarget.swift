import Foundation

/// Where a signed POST goes, and the path its request signature covers.
struct WebhookTarget: Equatable {
    let url: String
    /// The URL's path with its query (spec §3.2).
    let signedPath: String

    /// A proof's target: `{MG endpoint}/transfer/webhook`.
    init?(endpoint: String) {
        var base = endpoint
        while base.hasSuffix("/") { base.removeLast() }
        self.init(url: base + "/transfer/webhook")
    }

    /// Any absolute URL (a configured statement delivery URL).
    init?(url: String) {
        guard let components = URLComponents(string: url), components.host != nil else { return nil }
        self.url = url
        signedPath = components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
    }
}
