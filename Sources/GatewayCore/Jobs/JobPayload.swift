import Foundation
import Opencharge

/// The payloads of ocgate's own jobs: canonical JSON objects of string fields.
enum JobPayload {
    static func encode(_ fields: [String: String]) -> Data {
        // Canonical JSON sorts the members, so the payload's bytes do not depend on the dictionary's order.
        Data(CanonicalJSON.encode(.object(JSONObject(fields.map { (key: $0.key, value: .string($0.value)) }))))
    }

    /// The named string fields of a JSON object payload; nil when the payload is not an object holding all of them.
    static func decode(_ data: Data, _ names: String...) -> [String]? {
        guard let json = try? JSONParser.parse(Array(data)) else { return nil }
        let values = names.compactMap { json[$0]?.stringValue }
        return values.count == names.count ? values : nil
    }
}
