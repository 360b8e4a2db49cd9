import Opencharge

/// One inbox file: a signed checkout request as it would have arrived over HTTP.
public struct InboxEnvelope: Sendable, Equatable {
    public var headers: [String: String]
    public var path: String
    /// The exact request body the signature covers.
    public var body: [UInt8]

    static let requiredHeaders = ["X-OC-ID", "X-OC-Timestamp", "X-OC-Nonce", "X-OC-Signature"]

    /// Parses `{"headers":{…},"path":"…","body":"…"}`; a body over `bodyLimit` bytes is refused like HTTP would.
    public init(bytes: [UInt8], bodyLimit: Int) throws(InboxError) {
        guard !bytes.isEmpty else { throw .unreadableEnvelope("empty file") }
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch {
            throw .unreadableEnvelope("not JSON: \(error)")
        }
        guard let object = json.objectValue else { throw .unreadableEnvelope("not a JSON object") }
        guard let headerObject = object["headers"]?.objectValue else {
            throw .unreadableEnvelope("\"headers\" is missing or not an object")
        }
        var headers: [String: String] = [:]
        for (name, value) in headerObject.members {
            guard let text = value.stringValue else { throw .unreadableEnvelope("header \(name) is not a string") }
            headers[name] = text
        }
        for name in Self.requiredHeaders where headers[name] == nil {
            throw .unreadableEnvelope("header \(name) is missing")
        }
        guard let path = object["path"]?.stringValue else { throw .unreadableEnvelope("\"path\" is missing or not a string") }
        guard let body = object["body"]?.stringValue else { throw .unreadableEnvelope("\"body\" is missing or not a string") }
        let bodyBytes = Array(body.utf8)
        guard bodyBytes.count <= bodyLimit else {
            throw .unreadableEnvelope("body is \(bodyBytes.count) bytes, over the \(bodyLimit)-byte http.body_limit")
        }
        self.headers = headers
        self.path = path
        self.body = bodyBytes
    }
}
