import ArgumentParser

/// `ocgate jobs …`: see and steer the queue, safely while `serve` and `work` run.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List, inspect, retry, cancel and count jobs; drain and resume the spool.",
        subcommands: [
            JobsListCommand.self, JobsShowCommand.self, JobsRetryCommand.self, JobsCancelCommand.self,
            JobsStatsCommand.self, JobsDrainCommand.self, JobsResumeCommand.self,
        ])
}
