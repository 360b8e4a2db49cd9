import Foundation

/// The spool's files and folders (DESIGN.md "Files and folders"), created on first start.
public struct SpoolLayout: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    public var database: String { root + "/ocgate.db" }
    public var inboxTemporary: String { root + "/inbox/tmp" }
    public var inboxNew: String { root + "/inbox/new" }
    public var outbox: String { root + "/outbox" }
    public var rejected: String { root + "/rejected" }
    public var statements: String { root + "/statements" }

    /// Creates every folder that is missing.
    public func create() throws(GatewayStartupError) {
        for folder in [root, inboxTemporary, inboxNew, outbox, rejected, statements] {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw .storage("spool folder \(folder) cannot be created: \(error.localizedDescription)")
            }
        }
    }
}
