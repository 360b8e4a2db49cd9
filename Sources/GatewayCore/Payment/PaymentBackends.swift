import GatewayConfig
import GatewayOutbound
import GatewayStore
import Logging

/// Picks the configured payment backend, so the hosted page and `payment.poll` charge through the same one.
public enum PaymentBackends {
    /// The backend `payment.backend` names.
    /// - Parameters:
    ///   - client: the process's outbound client (used by `http`).
    public static func make(
        configuration: PaymentSection, stores: GatewayStores, client: OutboundClient, time: any TimeSource,
        logger: Logger
    ) -> any PaymentBackend {
        switch configuration.backend {
        case .sandbox:
            SandboxBackend(charges: stores.charges, time: time)
        case .http:
            HTTPPaymentBackend(
                sessions: stores.sessions, charges: stores.charges, processor: ProcessorSettings(configuration), client: client, time: time, logger: logger)
        }
    }
}
