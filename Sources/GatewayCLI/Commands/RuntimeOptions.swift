import ArgumentParser
import Foundation
import GatewayConfig
import GatewayCore

/// `--config` plus opening the spool: what every verb that touches the queue shares.
struct RuntimeOptions: ParsableArguments {
    @OptionGroup var config: ConfigOptions

    /// Opens the configured spool and its database; a problem is one line and exit code 1.
    func open() throws -> GatewayRuntime {
        let configuration = try config.load()
        do { return try GatewayRuntime(configuration: configuration) } catch { throw CommandFailure(error.description) }
    }
}
