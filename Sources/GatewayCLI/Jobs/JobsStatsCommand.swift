import ArgumentParser
import Foundation
import GatewayCore
import GatewayStore
import Logging
import Opencharge

/// `ocgate jobs stats`: the queue at a glance.
struct JobsStatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Counts per kind and state, oldest waiting job, attempts in the last hour, dead jobs, kinds with no handler.")

    @OptionGroup var runtime: RuntimeOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let gateway = try runtime.open()
        let stats = try await gateway.stores.jobs.stats(registeredKinds: GatewayJobs.kinds)
        let rows = stats.counts.sorted { ($0.key.kind, $0.key.state.rawValue) < ($1.key.kind, $1.key.state.rawValue) }
        let oldest = stats.oldestRunnableAge.map(JobPresentation.seconds)
        // Merchant Gateways whose deliveries are failing in a row, and whether they are paused (DESIGN.md lesson 3).
        let breakers = try await gateway.stores.deliveries.troubledBreakers()
        let now = Date()
        if json {
            JobPresentation.print([
                "counts": .array(rows.map {
                    ["kind": .string($0.key.kind), "state": .string($0.key.state.rawValue), "count": .integer($0.value)]
                }),
                "oldest_queued_age_seconds": oldest.map { JSONValue.integer(Int64($0.rounded(.down))) } ?? .null,
                "attempts_last_hour": .integer(stats.attemptsLastHour),
                "dead": .integer(stats.deadCount),
                "unhandled_kinds": .array(stats.unhandledKinds.map { .string($0) }),
                "delivery_breakers": .array(breakers.map { breaker in
                    [
                        "mg": .integer(breaker.mgOCID), "consecutive_failures": .integer(breaker.consecutiveFailures),
                        "paused": .bool(breaker.isOpen(at: now)),
                        "paused_until": breaker.openUntil.map { .string(JobPresentation.time($0)) } ?? .null,
                    ]
                }),
            ])
            return
        }
        for row in rows { print("\(row.key.kind)\t\(row.key.state.rawValue)\t\(row.value)") }
        print("oldest queued: \(oldest.map { "\(Int($0))s" } ?? "none waiting")")
        print("attempts in the last hour: \(stats.attemptsLastHour)")
        print("dead: \(stats.deadCount)")
        if !stats.unhandledKinds.isEmpty {
            print("kinds with no handler: \(stats.unhandledKinds.joined(separator: ", "))")
        }
        for breaker in breakers {
            let state = breaker.isOpen(at: now) ? "paused until \(breaker.openUntil.map(JobPresentation.time) ?? "?")" : "delivering"
            print("deliveries to MG \(breaker.mgOCID): \(breaker.consecutiveFailures) failures in a row, \(state)")
        }
    }
}
