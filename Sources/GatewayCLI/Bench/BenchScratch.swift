import Foundation
import Logging

/// What every benchmark run starts from: a quiet logger and a temporary folder for its spool, removed after.
struct BenchScratch {
    let directory: URL
    let logger: Logger

    init() throws {
        var logger = Logger(label: "ocgate.bench")
        logger.logLevel = .error
        self.logger = logger
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocgate-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}
