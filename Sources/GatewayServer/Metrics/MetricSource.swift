/// Something `GET /metrics` reads from the database before it answers: the queue today, settlement totals next.
/// Add a source to the list `GatewayServer` gives `ScrapeSampler`; each reading becomes a gauge.
public protocol MetricSource: Sendable {
    /// Every gauge value this source has now. A series missing from a later reading is set to 0, so a source
    /// reports only the rows it found (a state that emptied drops to 0 instead of keeping its last value).
    func readings() async throws -> [GaugeReading]
}
