import GatewayConfig
import GatewayStore
import ServiceLifecycle

/// What every gateway process shares: its configuration, the spool's folders, one instance of every store on the
/// configured backend, and the clock. The composition root (`GatewayAssembly`) builds it.
public struct GatewayRuntime: Sendable {
    public let configuration: GatewayConfiguration
    public let spool: SpoolLayout
    public let stores: GatewayStores
    public let time: any TimeSource
    /// The storage backend's long-running pieces (group commits, checkpoints, pools). Put them first in the
    /// process's `ServiceGroup`, so they stop last, after everything that writes through them.
    public let services: [any Service]

    public init(
        configuration: GatewayConfiguration, spool: SpoolLayout, stores: GatewayStores, time: any TimeSource,
        services: [any Service]
    ) {
        self.configuration = configuration
        self.spool = spool
        self.stores = stores
        self.time = time
        self.services = services
    }
}
