import Foundation
import GatewayTestSupport
import Opencharge
import Testing

/// Every verb, given hostile values wherever it takes one, ends with an exit of its own, never a signal: `keys
/// generate --out k` used to die of SIGILL in Foundation's path handling (issue 18, item 4). Whatever fails says so
/// in one line on stderr, with exit 1 or 2. Each verb runs as its own test case, so the cases run in parallel; each
/// process is killed after a bound, and a kill fails the case.
@Suite("hostile arguments")
struct HostileArgumentTests {
    /// A verb and where it takes values: each slot is an argument list whose `@` is replaced by a hostile value.
    struct Verb: Sendable, CustomTestStringConvertible {
        let words: [String]
        /// Slots that name files or folders: they get the hostile paths as well as the hostile values.
        let paths: [[String]]
        let values: [[String]]

        init(_ words: String, paths: [[String]] = [["--config", "@"]], values: [[String]] = []) {
            self.words = words.split(separator: " ").map(String.init)
            self.paths = paths
            self.values = values
        }

        var testDescription: String { words.joined(separator: " ") }
    }

    /// Every leaf verb of `ocgate`. A slot never lets a verb run for long with a valid value: `serve`, `work` and
    /// `demo` get only values that must stop them.
    static let verbs: [Verb] = [
        Verb("serve"),
        Verb("work", values: [["--kinds", "@"], ["--concurrency", "@"]]),
        Verb("demo", values: [["--timeout", "@"]]),
        Verb("jobs list", values: [["--state", "@"], ["--kind", "@"], ["--limit", "@"]]),
        Verb("jobs show", paths: [["1", "--config", "@"]], values: [["@"]]),
        Verb(
            "jobs retry", paths: [["--all-dead", "--config", "@"]],
            values: [["@"], ["--all-dead", "--since", "@"], ["--all-dead", "--until", "@"], ["--all-dead", "--kind", "@"]]),
        Verb("jobs cancel", paths: [["1", "--config", "@"]], values: [["@"]]),
        Verb("jobs stats"),
        Verb("jobs drain", values: [["--timeout", "@"]]),
        Verb("jobs resume"),
        Verb("partners add", paths: [["300", "--config", "@"]], values: [["@"]]),
        Verb("partners list"),
        Verb("partners disable", paths: [["300", "--config", "@"]], values: [["@"]]),
        Verb("partners enable", paths: [["300", "--config", "@"]], values: [["@"]]),
        Verb("prune", values: [["--older-than", "@"]]),
        Verb("backup", paths: [["@"], ["copy.db", "--config", "@"]]),
        Verb("keys generate", paths: [["--out", "@"], ["--config", "@"]]),
        Verb("keys show"),
        Verb("keys rotate", values: [["--grace", "@"]]),
        Verb("config check"),
        Verb("bench crypto", paths: [], values: [["--count", "@"]]),
        Verb("bench queue", paths: [], values: [["--jobs", "@"], ["--durability", "@"]]),
        Verb("bench checkout", paths: [], values: [["--requests", "@"], ["--durability", "@"]]),
        Verb("bench flow", values: [["--sessions", "@"], ["--durability", "@"], ["--payments", "@"]]),
        Verb(
            "sessions list",
            values: [["--status", "@"], ["--mg", "@"], ["--merchant", "@"], ["--since", "@"], ["--until", "@"], ["--limit", "@"]]),
        Verb("sessions show", paths: [["cs_none", "--config", "@"]], values: [["@"]]),
        Verb("settle", values: [["--until", "@"], ["--mg", "@"]]),
        Verb("settle report", values: [["--from", "@"], ["--to", "@"]]),
    ]

    /// Values no option of `ocgate` takes: empty, a line break, negative, past every integer, and very long.
    static let values = ["", "a\nb", "-1", "99999999999999999999999", "k", String(repeating: "x", count: 5_000)]

    /// Paths of every shape, in a folder holding `folder/` and a file `plain` that is neither TOML nor a key.
    static func paths(in directory: URL) -> [String] {
        let base = directory.path
        return values + [
            "rel/sub/k", "\(base)/missing/sub/k", "\(base)/folder/", "\(base)/folder", "\(base)/plain/k", "\(base)/plain",
            "/", String(repeating: "long/", count: 1_000) + "k",
        ]
    }

    @Test("no verb dies of a signal on a hostile argument, and a failure is one line", arguments: verbs)
    func noSignalDeath(verb: Verb) async throws {
        let directory = try OCGateProcess.temporaryDirectory()
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("folder"), withIntermediateDirectories: true)
        try Data("not [toml, nor a key\n".utf8).write(to: directory.appendingPathComponent("plain"))
        let key = directory.appendingPathComponent("gateway.key").path
        try KeyFile.write(PrivateKey.generate(), to: key, replacing: false)
        // Everything else valid, from the environment alone (no config file in the folder), so each value reaches
        // the code that handles it.
        let port = String(closedLoopbackPort())
        let environment = [
            "OCGATE_GATEWAY_OCID": "200", "OCGATE_GATEWAY_NAME": "hostile", "OCGATE_GATEWAY_KEY_FILE": key,
            "OCGATE_GATEWAY_PUBLIC_URL": "http://127.0.0.1:\(port)", "OCGATE_GATEWAY_CURRENCIES": "USD",
            "OCGATE_HTTP_PORT": port, "OCGATE_SPOOL_DIR": directory.appendingPathComponent("spool").path,
            "OCGATE_LOG_LEVEL": "error",
        ]
        let runs =
            verb.paths.flatMap { slot in Self.paths(in: directory).map { (slot, $0) } }
            + verb.values.flatMap { slot in Self.values.map { (slot, $0) } }
        for (slot, value) in runs {
            let arguments = verb.words + slot.map { $0 == "@" ? value : $0 }
            let shown = arguments.joined(separator: " ").prefix(200)
            let ending = try await OCGateProcess.run(arguments, environment: environment, in: directory, timeout: .seconds(60))
            #expect(ending.exited, "\(shown): \(ending.timedOut ? "timed out" : "died of a signal"); \(ending.result.stderr)")
            guard ending.result.status != 0 else { continue }
            #expect([1, 2].contains(ending.result.status), "\(shown)")
            let lines = ending.result.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            #expect(lines.count == 1 && lines[0].hasPrefix("Error: "), "\(shown): \(ending.result.stderr)")
        }
    }

    @Test("a bare key file name is written where ocgate runs; folders and empty names get their own answers")
    func pathsThatUsedToCrashOrMisbehave() async throws {
        let directory = try OCGateProcess.temporaryDirectory()
        func run(_ arguments: [String]) async throws -> OCGateProcess.Result {
            let ending = try await OCGateProcess.run(arguments, in: directory, timeout: .seconds(60))
            #expect(ending.exited, "\(arguments)")
            return ending.result
        }
        // The crash of issue 18: a bare name.
        let bare = try await run(["keys", "generate", "--out", "k"])
        #expect(bare.status == 0, "\(bare.stderr)")
        let key = directory.appendingPathComponent("k").path
        #expect(try KeyFile.load(path: key).publicKey.hex == bare.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        for folder in [directory.path, directory.path + "/", "/"] {
            let refused = try await run(["keys", "generate", "--out", folder])
            #expect(refused.status == 1)
            #expect(refused.stderr == "Error: key file \(folder) cannot be written: it names a folder, not a file\n")
        }
        let underAFile = try await run(["keys", "generate", "--out", "k/inner"])
        #expect(underAFile.stderr == "Error: key file k/inner cannot be written: k is a file, not a folder\n")
        let tooLong = try await run(["keys", "generate", "--out", String(repeating: "deep/", count: 1_000) + "k"])
        #expect(tooLong.status == 1)
        #expect(tooLong.stderr.contains("cannot be written: the path is longer than"))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("deep").path))

        // Refused as usage before anything opens: SQLite would take an empty backup name as a throwaway database,
        // and an empty --kinds list would run a worker that never claims a job.
        for (arguments, message) in [
            (["keys", "generate", "--out", ""], "--out needs a file name"),
            (["backup", ""], "the backup file name is empty"),
            (["backup", "backups/"], "backups/ names a folder; give a file name inside it"),
            (["work", "--kinds", " , "], "--kinds needs at least one kind"),
            (["demo", "--timeout", "0"], "--timeout must be a positive number of seconds"),
        ] {
            let refused = try await run(arguments)
            #expect(refused.status == 2, "\(arguments)")
            #expect(refused.stderr == "Error: \(message)\n", "\(arguments)")
        }
    }
}
