import GatewayStore

/// The one place where job kinds meet their handlers. Later steps of the flow (session.open,
/// payment.poll, proof.issue, callback.deliver, inbox.ingest, settle.run, session.expire) register here.
public enum GatewayJobs {
    public static func registry() -> JobRegistry {
        JobRegistry()
    }
}
