import Foundation
import Opencharge

/// The input of the session jobs: `{"session": id}`, plus `"charge"` for the jobs of a charge.
struct SessionJobPayload: Sendable, Equatable {
    let session: String
    let charge: String?

    /// Nil when the payload is not a JSON object naming a session: such a job can never succeed.
    init?(_ data: Data) {
        guard let json = try? JSONParser.parse(Array(data)), let session = json["session"]?.stringValue else { return nil }
        self.session = session
        charge = json["charge"]?.stringValue
    }
}
