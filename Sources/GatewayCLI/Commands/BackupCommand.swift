import ArgumentParser
import Foundation
import GatewayCore
import GatewayStore
import Opencharge

/// `ocgate backup FILE`: a consistent copy of the live database, taken while the gateway runs.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Copy the spool database to FILE with SQLite's online backup.")

    @OptionGroup var runtime: RuntimeOptions
    @Argument(help: "The backup file to create; an existing file is never overwritten.") var file: String
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        // SQLite reads an empty name as "a temporary database": the backup would vanish with the process.
        guard !file.isEmpty else { throw ValidationError("the backup file name is empty") }
        guard !file.hasSuffix("/") else { throw ValidationError("\(file) names a folder; give a file name inside it") }
    }

    func run() async throws {
        guard !FileManager.default.fileExists(atPath: file) else {
            throw CommandFailure("\(file) already exists; choose a new backup file")
        }
        let storage = try runtime.open().stores.maintenance
        do { try await storage.backup(to: file) } catch { throw CommandFailure("backup to \(file) failed: \(error)") }
        if json { JobPresentation.print(["backup": .string(file)]) } else { print("backed up \(storage.location) to \(file)") }
    }
}
