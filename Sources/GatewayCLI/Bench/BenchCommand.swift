import ArgumentParser

/// `ocgate bench …`: the performance goals, measured on this machine.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput; numbers belong in docs/benchmarks.md with the command that produced them.",
        subcommands: [
            CryptoBenchCommand.self, QueueBenchCommand.self, CheckoutBenchCommand.self, FlowBenchCommand.self,
            ServeBenchCommand.self, ServeLoadCommand.self, ConsoleBenchCommand.self,
        ])
}
