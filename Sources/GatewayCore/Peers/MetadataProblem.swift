/// Why a fetched metadata document cannot be trusted; each is one line naming the field.
public struct MetadataProblem: Error, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
