import Foundation

/// Writes a file so it appears whole or not at all and survives power loss: a temporary file in the same folder,
/// fsync, rename, then fsync of the folder (the rename is durable only once the folder's entry is on disk).
enum DurableFile {
    /// Writes `bytes` to `folder/name`, replacing a file of that name.
    static func write(_ bytes: [UInt8], named name: String, in folder: String) throws(DurableFileError) {
        let temporary = folder + "/.tmp-\(UUID().uuidString)"
        let path = folder + "/" + name
        do {
            guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
                throw DurableFileError(path: path, problem: "cannot create \(temporary)")
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            defer { try? handle.close() }
            try handle.write(contentsOf: bytes)
            try handle.synchronize()
            guard rename(temporary, path) == 0 else {
                throw DurableFileError(path: path, problem: "rename failed: \(String(cString: strerror(errno)))")
            }
            let directory = open(folder, O_RDONLY)
            if directory >= 0 {
                fsync(directory)
                _ = close(directory)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            if let known = error as? DurableFileError { throw known }
            throw DurableFileError(path: path, problem: error.localizedDescription)
        }
    }
}

/// A file that could not be written durably.
struct DurableFileError: Error, CustomStringConvertible {
    let path: String
    let problem: String

    var description: String { "\(path): \(problem)" }
}
