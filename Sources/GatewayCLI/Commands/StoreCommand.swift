import ArgumentParser
import GatewayCore
import GatewayStore
import Opencharge

/// `ocgate store …`: the database itself, as opposed to what it holds.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Work on the configured database itself.", subcommands: [Migrate.self, Copy.self])

    /// `ocgate store migrate`: the schema brought up to this binary's, ahead of a rollout, without starting anything.
    /// Opening a store does exactly this (every process migrates when it opens the store, each migration once, in a
    /// transaction: under an advisory lock on PostgreSQL, a write lock on SQLite), so the verb opens it and says so;
    /// a schema newer than this binary knows is refused as every process refuses it.
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or upgrade the configured database's schema; refuse one newer than this binary knows.")

        @OptionGroup var runtime: RuntimeOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let storage = try runtime.open().stores.maintenance
            // A write that changes nothing: the schema just migrated is usable, not only present.
            do { try await storage.checkWritable() } catch { throw CommandFailure("\(storage.location): \(error)") }
            if json {
                JobPresentation.print(["store": .string(storage.location), "schema": "current"])
            } else {
                print("schema of \(storage.location) is current")
            }
        }
    }
}
