import ArgumentParser
import Foundation
import GatewayAssembly
import GatewayConfig
import GatewayCore
import GatewayStore
import Opencharge

extension StoreCommand {
    /// `ocgate store copy --to URL`: the configured SQLite spool, drained, copied into an empty PostgreSQL database,
    /// every table and every id; then both sides counted and compared.
    ///
    /// The source must be drained (`ocgate jobs drain`): the flag stops every acceptor storing a checkout and the
    /// inbox moving files, and no job may hold a live lease, so no process changes the spool while it is read. The
    /// copy reads one snapshot anyway, and the comparison after it would show anything that slipped past.
    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the drained SQLite spool into an empty PostgreSQL database, then compare both sides.",
            discussion: """
                Refuses a target that holds any row, a spool that is not drained (run `ocgate jobs drain` first), \
                and a spool with running jobs. Prints rows per table and the ledger's totals per MG and currency on \
                both sides; exits 1 if anything differs.
                """)

        @OptionGroup var config: ConfigOptions
        @Option(
            help: """
                The empty target database: postgres://user:password@host:port/database?sslmode=disable (default: \
                store.postgres_url of the configuration, e.g. from OCGATE_STORE_POSTGRES_URL, which keeps the \
                password out of the process list).
                """)
        var to: String?
        @Flag(help: "Print JSON.") var json = false

        /// Rows per INSERT statement (one round trip each: postgres-nio does not pipeline).
        static let batchRows = 1_000

        func validate() throws {
            if to?.isEmpty == true { throw ValidationError("--to needs a postgres:// URL") }
        }

        func run() async throws {
            let configuration = try config.load()
            let source: StoreCopySource
            let target: any StoreCopyTarget
            guard let url = to ?? configuration.store.postgresURL else {
                throw CommandFailure("store copy needs --to postgres://… or store.postgres_url (OCGATE_STORE_POSTGRES_URL)")
            }
            do {
                source = try GatewayAssembly.copySource(configuration)
                target = try GatewayAssembly.copyTarget(url: url)
            } catch {
                throw CommandFailure(error.description)
            }
            let jobs = source.runtime.stores.jobs
            let spool = source.runtime.stores.maintenance.location
            guard try await jobs.isDraining() else {
                throw CommandFailure(
                    "\(spool) is not drained: run `ocgate jobs drain`, then stop serve and work, before copying it")
            }
            let now = Date()
            let running = try await jobs.list(JobFilter(state: .running)).filter { ($0.lockedUntil ?? now) > now }
            guard running.isEmpty else {
                throw CommandFailure(
                    "\(spool) has \(running.count) running jobs (\(running.map { "\($0.id)" }.joined(separator: ", "))): let `ocgate jobs drain` finish them and stop serve and work, before copying it")
            }
            let snapshot: any StoreSnapshot
            do { snapshot = try source.snapshot() } catch { throw CommandFailure("\(spool): \(error)") }
            do {
                try await target.load(from: snapshot, batchSize: Self.batchRows)
            } catch let error as StoreCopyError {
                throw CommandFailure(error.description)
            } catch {
                throw CommandFailure("\(target.location): \(error)")
            }
            let comparison: CopyComparison
            do {
                let counted = try await snapshot.census()
                let copied = try await target.census()
                comparison = CopyComparison(source: counted, target: copied, order: snapshot.tables)
            } catch {
                throw CommandFailure("counting after the copy: \(error)")
            }
            if json {
                JobPresentation.print(comparison.json(source: snapshot.location, target: target.location))
            } else {
                print("copied \(snapshot.location) to \(target.location)")
                print(comparison.text)
            }
            guard comparison.differences.isEmpty else {
                throw CommandFailure(
                    "\(target.location) differs from \(snapshot.location): \(comparison.differences.joined(separator: ", "))")
            }
        }
    }
}

/// Both sides of a copy, counted: rows per table and the ledger per MG and currency.
struct CopyComparison {
    struct TableCount {
        let table: String
        let source: Int64?
        let target: Int64?
        var matches: Bool { source == target }
    }

    struct LedgerLine {
        let mgOCID: UInt64
        let currency: String
        let source: LedgerTotal?
        let target: LedgerTotal?
        var matches: Bool { source == target }
    }

    let tables: [TableCount]
    let ledger: [LedgerLine]

    /// - Parameter order: the tables in the copy's order; any other table of either side follows, by name.
    init(source: StoreCensus, target: StoreCensus, order: [String]) {
        let names = order + Set(source.rows.keys).union(target.rows.keys).subtracting(order).sorted()
        tables = names.map { TableCount(table: $0, source: source.rows[$0], target: target.rows[$0]) }
        var keys: [String: (UInt64, String)] = [:]
        for total in source.ledger + target.ledger { keys["\(total.mgOCID) \(total.currency)"] = (total.mgOCID, total.currency) }
        ledger = keys.values.sorted { $0 < $1 }.map { mg, currency in
            LedgerLine(
                mgOCID: mg, currency: currency,
                source: source.ledger.first { $0.mgOCID == mg && $0.currency == currency },
                target: target.ledger.first { $0.mgOCID == mg && $0.currency == currency })
        }
    }

    /// What differs, one short phrase each.
    var differences: [String] {
        tables.filter { !$0.matches }.map { "\($0.table) rows \(Self.show($0.source)) vs \(Self.show($0.target))" }
            + ledger.filter { !$0.matches }.map {
                "ledger \($0.mgOCID) \($0.currency) \(Self.show($0.source)) vs \(Self.show($0.target))"
            }
    }

    private static func show(_ count: Int64?) -> String { count.map { "\($0)" } ?? "missing" }

    private static func show(_ total: LedgerTotal?) -> String {
        total.map { "\($0.total) (\($0.entries) entries)" } ?? "missing"
    }

    var text: String {
        var lines: [String] = []
        func row(_ cells: [String], _ widths: [Int]) -> String {
            zip(cells, widths).map { cell, width in cell.padding(toLength: max(width, cell.count), withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        let tableWidths = [max(5, tables.map(\.table.count).max() ?? 0), 10, 10, 0]
        lines.append(row(["table", "sqlite", "postgres", ""], tableWidths))
        for count in tables {
            lines.append(row([count.table, Self.show(count.source), Self.show(count.target), count.matches ? "" : "DIFFERS"], tableWidths))
        }
        let ledgerWidths = [20, 10, 22, 22, 0]
        lines.append("")
        lines.append(row(["ledger mg", "currency", "sqlite", "postgres", ""], ledgerWidths))
        for line in ledger {
            lines.append(
                row(
                    ["\(line.mgOCID)", line.currency, Self.show(line.source), Self.show(line.target), line.matches ? "" : "DIFFERS"],
                    ledgerWidths))
        }
        if ledger.isEmpty { lines.append("(no ledger entries)") }
        lines.append("")
        lines.append(differences.isEmpty ? "row counts and ledger totals match" : "DIFFERENCES: \(differences.count)")
        return lines.joined(separator: "\n")
    }

    func json(source: String, target: String) -> JSONValue {
        func count(_ value: Int64?) -> JSONValue { value.map { .integer($0) } ?? .null }
        func total(_ value: LedgerTotal?) -> JSONValue {
            guard let value else { return .null }
            let fields: [(key: String, value: JSONValue)] = [
                ("entries", .integer(value.entries)), ("total", .string(value.total.description)),
            ]
            return .object(JSONObject(fields))
        }
        let tableValues: [JSONValue] = tables.map { table in
            let fields: [(key: String, value: JSONValue)] = [
                ("table", .string(table.table)), ("sqlite", count(table.source)), ("postgres", count(table.target)),
                ("matches", .bool(table.matches)),
            ]
            return .object(JSONObject(fields))
        }
        let ledgerValues: [JSONValue] = ledger.map { line in
            let fields: [(key: String, value: JSONValue)] = [
                ("mg", .string("\(line.mgOCID)")), ("currency", .string(line.currency)), ("sqlite", total(line.source)),
                ("postgres", total(line.target)), ("matches", .bool(line.matches)),
            ]
            return .object(JSONObject(fields))
        }
        let fields: [(key: String, value: JSONValue)] = [
            ("source", .string(source)), ("target", .string(target)), ("tables", .array(tableValues)),
            ("ledger", .array(ledgerValues)), ("matches", .bool(differences.isEmpty)),
        ]
        return .object(JSONObject(fields))
    }
}
