import Foundation

/// What `/proc` says about a running process: its threads' CPU time and its resident memory (Linux only; elsewhere
/// empty and nil).
struct ProcessSample: Sendable {
    /// CPU time (user + system, in clock ticks) per thread id, with the thread's name.
    let threads: [Int: (name: String, ticks: Int)]

    /// Reads every thread of `pid` once.
    init(pid: Int32) {
        let tasks = "/proc/\(pid)/task"
        var threads: [Int: (name: String, ticks: Int)] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: tasks)) ?? [] {
            guard let tid = Int(entry),
                let stat = try? String(contentsOfFile: "\(tasks)/\(entry)/stat", encoding: .utf8),
                let thread = Self.thread(stat: stat)
            else { continue }
            threads[tid] = thread
        }
        self.threads = threads
    }

    init(threads: [Int: (name: String, ticks: Int)]) { self.threads = threads }

    /// The name and utime + stime of one `/proc/PID/task/TID/stat` line. The name sits in parentheses and may hold
    /// spaces or parentheses itself, so the fields are counted from the last `)`.
    static func thread(stat: String) -> (name: String, ticks: Int)? {
        guard let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return (String(stat[stat.index(after: open)..<close]), user + system)
    }

    /// Each thread group's share, in percent, of the CPU time the process spent between `before` and `after`, largest
    /// first. Threads are grouped by name with their numbers dropped (`NIO-ELT-0-#3` counts as `NIO-ELT-N-#N`);
    /// a thread that started in between counts from zero, one that ended in between is not counted.
    static func cpuSplit(from before: ProcessSample, to after: ProcessSample) -> [(group: String, percent: Double)] {
        var spent: [String: Int] = [:]
        for (tid, thread) in after.threads {
            spent[group(of: thread.name), default: 0] += thread.ticks - (before.threads[tid]?.ticks ?? 0)
        }
        let total = spent.values.reduce(0, +)
        guard total > 0 else { return [] }
        return spent.filter { $0.value > 0 }.map { (group: $0.key, percent: Double($0.value) * 100 / Double(total)) }
            .sorted { $0.percent != $1.percent ? $0.percent > $1.percent : $0.group < $1.group }
    }

    /// A thread's name with every run of digits written `N`.
    static func group(of name: String) -> String {
        var group = ""
        var inNumber = false
        for character in name {
            let digit = character.isASCII && character.isNumber
            if !digit { group.append(character) } else if !inNumber { group.append("N") }
            inNumber = digit
        }
        return group
    }

    /// The resident set (`VmRSS`) of `pid` in KiB, or nil when it cannot be read.
    static func residentKiB(pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.dropFirst("VmRSS:".count).split(whereSeparator: \.isWhitespace).first ?? "")
        }
        return nil
    }
}
