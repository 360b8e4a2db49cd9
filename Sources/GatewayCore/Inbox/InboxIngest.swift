import Foundation
import GatewayStore
import Logging
import Opencharge

/// The `inbox.ingest` job: answers the signed checkout requests dropped into `spool/inbox/new/`.
///
/// Each file's answer is written to `spool/outbox/<name>` before the input is removed, so a crash at any
/// point leaves either the input (answered again, to the same outbox name) or the answer, never neither and
/// never two answers. An existing outbox file means the input was already answered.
///
/// While the spool drains no file is answered or moved: the run checks the flag first, and a file whose checkout
/// the session store refuses for draining (the flag was set during the run) stays in `new/`, unanswered, with
/// the rest of the batch, for the run after `ocgate jobs resume`.
public struct InboxIngest: JobHandler {
    /// The job kind the scheduler enqueues.
    public static let kind = "inbox.ingest"

    let spool: SpoolLayout
    let queue: any JobQueue
    let validator: any CheckoutValidator
    let bodyLimit: Int
    let batchSize: Int
    let logger: Logger

    /// - Parameters:
    ///   - bodyLimit: `http.body_limit`: a larger body is rejected as HTTP would refuse it.
    ///   - batchSize: files taken per run, so one run stays short however full the inbox is.
    public init(
        spool: SpoolLayout, queue: any JobQueue, validator: any CheckoutValidator,
        bodyLimit: Int, batchSize: Int = 100, logger: Logger = Logger(label: "ocgate.inbox")
    ) {
        self.spool = spool
        self.queue = queue
        self.validator = validator
        self.bodyLimit = bodyLimit
        self.batchSize = batchSize
        self.logger = logger
    }

    public func run(_ job: ClaimedJob) async -> JobOutcome {
        do {
            if try await queue.isDraining() { return .succeeded(note: "spool draining; inbox not ingested") }
        } catch {
            return .retry(error: "drain flag unreadable: \(error)")
        }
        let report = await ingestBatch()
        if report.stoppedForDrain {
            return .succeeded(note: "spool draining; stopped after answering \(report.answered), rejected \(report.rejected)")
        }
        if let failure = report.failures.first {
            return .retry(error: "\(report.failures.count) inbox file(s) left in new/: \(failure)")
        }
        return .swept(report.answered + report.rejected, note: "answered \(report.answered), rejected \(report.rejected)")
    }

    /// Whether `inbox/new/` holds a file to ingest; true when it cannot be listed, so the job runs and reports why.
    public static func hasWaitingFiles(in spool: SpoolLayout) -> Bool {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: spool.inboxNew) else { return true }
        return names.contains { !$0.hasPrefix(".") }
    }

    /// What one batch did.
    public struct BatchReport: Sendable, Equatable {
        public var answered = 0
        public var rejected = 0
        /// Files left in `new/` for the next run, with why.
        public var failures: [InboxError] = []
        /// The spool began draining during the batch: the file that found it and every later one stay in `new/`.
        public var stoppedForDrain = false
    }

    /// Takes up to `batchSize` files from `new/` in name order.
    public func ingestBatch() async -> BatchReport {
        var report = BatchReport()
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: spool.inboxNew)
                .filter { !$0.hasPrefix(".") }.sorted().prefix(batchSize).map { $0 }
        } catch {
            report.failures.append(.spoolFileOperation(path: spool.inboxNew, problem: error.localizedDescription))
            return report
        }
        for name in names {
            do {
                switch try await ingest(name: name) {
                case .answered: report.answered += 1
                case .rejected: report.rejected += 1
                case .draining:
                    report.stoppedForDrain = true
                    return report
                }
            } catch {
                logger.error("inbox file left in new/", metadata: ["file": "\(name)", "error": "\(error)"])
                report.failures.append(error)
            }
        }
        return report
    }

    /// What became of one file.
    private enum FileOutcome {
        case answered
        case rejected
        /// Refused because the spool drains: left in `new/`, nothing written.
        case draining
    }

    /// Answers, rejects or (while draining) leaves one file; throws when it must stay in `new/` for a failure.
    private func ingest(name: String) async throws(InboxError) -> FileOutcome {
        let input = spool.inboxNew + "/" + name
        let answer = spool.outbox + "/" + name
        if FileManager.default.fileExists(atPath: answer) {
            try remove(input)
            return .answered
        }
        let envelope: InboxEnvelope
        do {
            envelope = try InboxEnvelope(bytes: try read(input), bodyLimit: bodyLimit)
        } catch {
            try reject(name: name, reason: error.description)
            return .rejected
        }
        let response = await validator.validate(headers: envelope.headers, path: envelope.path, body: envelope.body)
        // A drain refusal is not the file's answer: the same file is taken again after `resume`.
        if response.code == .draining { return .draining }
        try writeDurably(CanonicalJSON.encode(response.body), name: name)
        try remove(input)
        return .answered
    }

    private func read(_ path: String) throws(InboxError) -> [UInt8] {
        // A JSON string may spell each body byte as a six-byte \u escape; anything longer cannot hold a
        // body within the limit and is not read into memory.
        let ceiling = bodyLimit * 6 + 64 * 1024
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= ceiling else {
            throw .unreadableEnvelope("file is \(size) bytes, too large to hold a body within http.body_limit (\(bodyLimit) bytes)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .spoolFileOperation(path: path, problem: "cannot be read")
        }
        return Array(data)
    }

    /// The answer appears whole or not at all.
    private func writeDurably(_ bytes: [UInt8], name: String) throws(InboxError) {
        do {
            try DurableFile.write(bytes, named: name, in: spool.outbox)
        } catch {
            throw .outboxUnwritable(name: name, problem: error.problem)
        }
    }

    /// Writes the reason first, then moves the file: a crash in between only means it is rejected again.
    private func reject(name: String, reason: String) throws(InboxError) {
        let target = spool.rejected + "/" + name
        do {
            try Data((reason + "\n").utf8).write(to: URL(fileURLWithPath: target + ".error"), options: .atomic)
        } catch {
            throw .spoolFileOperation(path: target + ".error", problem: error.localizedDescription)
        }
        guard rename(spool.inboxNew + "/" + name, target) == 0 else {
            throw .spoolFileOperation(path: target, problem: String(cString: strerror(errno)))
        }
        logger.warning("inbox file rejected", metadata: ["file": "\(name)", "reason": "\(reason)"])
    }

    private func remove(_ path: String) throws(InboxError) {
        do { try FileManager.default.removeItem(atPath: path) } catch {
            throw .spoolFileOperation(path: path, problem: error.localizedDescription)
        }
    }
}
