import Hummingbird
import NIOCore

/// The console's request context: the peer's address (throttling and the audit log) and, once the access
/// middleware let the request in, the operator's login and the form it posted.
public struct ConsoleRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    var login: ConsoleLogin?
    /// The fields of a POSTed form, read once by the access middleware (it checks the CSRF token among them).
    var form: FormFields = FormFields()

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP address as the audit log and the throttle name it.
    var client: String { remoteAddress?.ipAddress ?? "unknown" }
}
