/// One gauge value read at scrape time, such as `ocgate_jobs{kind="callback.deliver",state="dead"} 3`.
public struct GaugeReading: Sendable, Hashable {
    public var name: String
    /// The `# HELP` text; the same for every reading of one name.
    public var help: String
    /// Label names and values, in the order they are exposed.
    public var labels: [Label]
    public var value: Double

    /// One `name="value"` pair.
    public struct Label: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(name: String, help: String, labels: [Label], value: Double) {
        self.name = name
        self.help = help
        self.labels = labels
        self.value = value
    }

    /// The gauge this reading sets: everything but the value.
    var series: Series { Series(name: name, help: help, labels: labels) }

    /// A gauge's identity in the registry.
    struct Series: Hashable {
        var name: String
        var help: String
        var labels: [Label]
    }
}
