import ArgumentParser

/// The `ocgate` command tree; every verb hangs off it.
public struct OCGateCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ocgate",
        abstract: "Opencharge Payment Gateway.",
        version: "0.1.0")
    public init() {}
}
