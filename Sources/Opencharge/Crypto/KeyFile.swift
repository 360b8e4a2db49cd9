import Foundation

/// Why a key file could not be read or written.
public enum KeyFileError: Error, Sendable, Equatable, CustomStringConvertible {
    case missing(path: String)
    case exists(path: String)
    case unreadable(path: String, reason: String)
    case permissionsTooOpen(path: String, mode: String)
    case invalidKey(path: String, reason: String)
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let path): "key file \(path) does not exist (create one with `ocgate keys generate --out \(path)`)"
        case .exists(let path): "key file \(path) already exists; pass --force to replace it"
        case .unreadable(let path, let reason): "key file \(path) cannot be read: \(reason)"
        case .permissionsTooOpen(let path, let mode):
            "key file \(path) has mode \(mode); it must be readable by its owner only (chmod 600 \(path))"
        case .invalidKey(let path, let reason): "key file \(path) does not hold a private key: \(reason)"
        case .unwritable(let path, let reason): "key file \(path) cannot be written: \(reason)"
        }
    }
}

/// The gateway's private key on disk: 64 hex characters, mode 0600.
public enum KeyFile {
    /// Loads the key, refusing a file that group or others may read.
    public static func load(path: String) throws(KeyFileError) -> PrivateKey {
        let manager = FileManager.default
        guard manager.fileExists(atPath: path) else { throw .missing(path: path) }
        let attributes: [FileAttributeKey: Any]
        do { attributes = try manager.attributesOfItem(atPath: path) } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        if let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            throw .permissionsTooOpen(path: path, mode: String(mode, radix: 8))
        }
        guard let data = manager.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path: path, reason: "not UTF-8 text")
        }
        do {
            return try PrivateKey(hex: text.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            throw .invalidKey(path: path, reason: error.description)
        }
    }

    /// Writes `key` with mode 0600, created that way so it is never readable by others, even briefly.
    public static func write(_ key: PrivateKey, to path: String, replacing: Bool) throws(KeyFileError) {
        try writeOwnerOnly(key.hex + "\n", to: path, replacing: replacing)
    }

    /// Writes `contents` to `path` with mode 0600 so that a crash leaves either the old file or the new one, whole.
    ///
    /// The text goes to a temporary file that is synced, then renamed (or, when not `replacing`, hard-linked, which
    /// fails rather than overwrite a file that appeared meanwhile) over `path`; the directory is synced last so the
    /// new name itself survives power loss.
    public static func writeOwnerOnly(_ contents: String, to path: String, replacing: Bool) throws(KeyFileError) {
        let manager = FileManager.default
        guard !path.isEmpty else { throw .unwritable(path: path, reason: "the file name is empty") }
        // Refused before any folder is made: the system could never open it.
        guard path.utf8.count < PATH_MAX else { throw .unwritable(path: path, reason: "the path is longer than \(PATH_MAX) bytes") }
        guard !path.hasSuffix("/"), !isFolder(path) else { throw .unwritable(path: path, reason: "it names a folder, not a file") }
        if manager.fileExists(atPath: path) && !replacing { throw .exists(path: path) }
        let folder = folder(of: path)
        if manager.fileExists(atPath: folder) && !isFolder(folder) {
            throw .unwritable(path: path, reason: "\(folder) is a file, not a folder")
        }
        do {
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw .unwritable(path: path, reason: error.localizedDescription)
        }
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw .unwritable(path: path, reason: String(cString: strerror(errno))) }
        let bytes = Array(contents.utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .unwritable(path: path, reason: reason)
        }
        if replacing {
            guard rename(temporary, path) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                throw .unwritable(path: path, reason: reason)
            }
        } else {
            let linked = link(temporary, path)
            let linkError = errno
            unlink(temporary)
            guard linked == 0 else {
                if linkError == EEXIST { throw .exists(path: path) }
                throw .unwritable(path: path, reason: String(cString: strerror(linkError)))
            }
        }
        syncDirectory(of: path)
    }

    /// Best effort: a directory that cannot be opened for syncing still holds the renamed file.
    private static func syncDirectory(of path: String) {
        let fd = open(folder(of: path), O_RDONLY)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    private static func isFolder(_ path: String) -> Bool {
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
    }

    /// The folder holding the file at `path`: what comes before its last `/`, or `.` for a bare name. Plain string
    /// work, because Foundation's `deletingLastPathComponent` traps on a bare name on Linux.
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
