import Foundation

/// Where a proof goes: `{MG endpoint}/transfer/webhook`, and the path the request signature covers.
struct WebhookTarget: Equatable {
    let url: String
    /// The URL's path with its query (spec §3.2).
    let signedPath: String

    init?(endpoint: String) {
        var base = endpoint
        while base.hasSuffix("/") { base.removeLast() }
        let url = base + "/transfer/webhook"
        guard let components = URLComponents(string: url), components.host != nil else { return nil }
        self.url = url
        signedPath = components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
    }
}
