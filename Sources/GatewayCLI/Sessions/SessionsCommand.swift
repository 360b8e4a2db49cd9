import ArgumentParser

/// `ocgate sessions …`: see checkout sessions and everything that happened to them.
struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "List and inspect checkout sessions with their charges and jobs.",
        subcommands: [SessionsListCommand.self, SessionsShowCommand.self])
}
