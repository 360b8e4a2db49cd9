import Foundation
import GatewayStore
import Logging
import Opencharge

/// One `ocgate settle` run: nets every MG's unsettled ledger entries per currency up to a cut-off into signed
/// statements, each committed in its own transaction, then writes their JSON and CSV files.
///
/// Statements are committed before their files are written; a run first writes the files any earlier run did not
/// get to, so a crash between a commit and its files costs nothing but a re-run.
public struct SettlementRun: Sendable {
    private let store: any SettlementStore
    private let identity: GatewayIdentity
    private let settings: SettlementSettings
    private let folder: String
    private let time: any TimeSource
    private let logger: Logger

    /// - Parameters:
    ///   - folder: where statement files go (`spool/statements`).
    public init(
        store: any SettlementStore, identity: GatewayIdentity, settings: SettlementSettings, folder: String,
        time: any TimeSource, logger: Logger
    ) {
        self.store = store
        self.identity = identity
        self.settings = settings
        self.folder = folder
        self.time = time
        self.logger = logger
    }

    /// The default cut-off: the start of the current UTC day.
    public static func startOfDay(_ now: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        return calendar.startOfDay(for: now)
    }

    /// What a run would settle now, writing nothing.
    public func plan(until cutOff: Date, mgOCID: UInt64?) async throws -> SettlementResult {
        let scope = try self.scope(cutOff, mgOCID)
        var result = SettlementResult(cutOff: cutOff)
        result.existing = try await store.statements(cutOff: cutOff, mgOCID: mgOCID)
        for group in try await store.groups(scope) {
            result.note(heldBackOf: group)
            guard !group.entries.isEmpty else { continue }
            let id = StatementDocument.id(mgOCID: group.mgOCID, currency: group.currency, cutOff: cutOff)
            if result.existing.contains(where: { $0.id == id }) {
                result.note(deferred: group)
                continue
            }
            do {
                result.planned.append(try StatementDocument.make(group, cutOff: cutOff, identity: identity, now: time.now()))
            } catch {
                result.failures.append(error.description)
            }
        }
        return result
    }

    /// Settles everything the scope allows and reports what it did; failures of one group do not stop the others.
    public func run(until cutOff: Date, mgOCID: UInt64?) async throws -> SettlementResult {
        let scope = try self.scope(cutOff, mgOCID)
        var result = SettlementResult(cutOff: cutOff)
        await writeMissingFiles(into: &result)
        for group in try await store.groups(scope) {
            result.note(heldBackOf: group)
            guard !group.entries.isEmpty else { continue }
            await settle(group, scope: scope, into: &result)
        }
        result.existing = try await store.statements(cutOff: cutOff, mgOCID: mgOCID).filter { statement in
            !result.created.contains { $0.id == statement.id }
        }
        return result
    }

    private func scope(_ cutOff: Date, _ mgOCID: UInt64?) throws(SettlementError) -> SettlementScope {
        guard cutOff <= time.now() else { throw .futureCutOff(cutOff) }
        return SettlementScope(cutOff: cutOff, mgOCID: mgOCID, requireAccepted: settings.requireAccepted)
    }

    private func settle(_ group: SettlementGroup, scope: SettlementScope, into result: inout SettlementResult) async {
        let identity = self.identity
        let now = time.now()
        let notifyURL = settings.notifyURL(group.mgOCID)
        let failpoint = settings.failpoint
        do {
            let outcome = try await store.settle(
                mgOCID: group.mgOCID, currency: group.currency, scope: scope, now: now,
                build: { group in try StatementDocument.make(group, cutOff: scope.cutOff, identity: identity, now: now) },
                notifyJob: { id in notifyURL.map { _ in StatementNotifyJob(statement: id).job(mgOCID: group.mgOCID) } },
                beforeCommit: { failpoint?.reached(.beforeCommit) })
            switch outcome {
            case .created(let statement):
                logger.notice(
                    "statement created",
                    metadata: [
                        "statement": "\(statement.id)", "mg": "\(statement.mgOCID)", "currency": "\(statement.currency)",
                        "count": "\(statement.entryCount)", "total": "\(statement.total)",
                    ])
                failpoint?.reached(.afterCommit)
                result.created.append(statement)
                await writeFiles(of: statement, into: &result)
            case .existing:
                // This cut-off's statement was written before these entries became settleable.
                result.note(deferred: group)
            case .nothingToSettle:
                break
            }
        } catch {
            logger.error(
                "settlement failed", metadata: ["mg": "\(group.mgOCID)", "currency": "\(group.currency)", "error": "\(error)"])
            result.failures.append("MG \(group.mgOCID) \(group.currency): \(error)")
        }
    }

    private func writeMissingFiles(into result: inout SettlementResult) async {
        do {
            for statement in try await store.statementsMissingFiles() {
                await writeFiles(of: statement, into: &result)
                result.repaired.append(statement.id)
            }
        } catch {
            result.failures.append("cannot list statements without files: \(error)")
        }
    }

    private func writeFiles(of statement: StoredStatement, into result: inout SettlementResult) async {
        do {
            let entries = try await store.entries(statementID: statement.id)
            try DurableFile.write(statement.signedBody, named: statement.id + ".json", in: folder)
            try DurableFile.write(
                Array(StatementDocument.csv(statement, entries: entries).utf8), named: statement.id + ".csv", in: folder)
            try await store.markFilesWritten(statementID: statement.id, at: time.now())
        } catch {
            logger.error("statement files not written", metadata: ["statement": "\(statement.id)", "error": "\(error)"])
            result.failures.append(SettlementError.files("\(statement.id): \(error)").description)
        }
    }
}

/// What `SettlementRun` needs of `[settlement]`, plus the crash tests' stop point.
public struct SettlementSettings: Sendable {
    public var requireAccepted: Bool
    /// The statement delivery URL of an MG, or nil when it gets none.
    public var notifyURL: @Sendable (UInt64) -> String?
    public var failpoint: SettlementFailpoint?

    public init(
        requireAccepted: Bool, notifyURL: @escaping @Sendable (UInt64) -> String? = { _ in nil },
        failpoint: SettlementFailpoint? = nil
    ) {
        self.requireAccepted = requireAccepted
        self.notifyURL = notifyURL
        self.failpoint = failpoint
    }
}
