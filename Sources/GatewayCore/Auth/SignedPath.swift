/// The request paths a signature may have been made over, in the order they are tried (spec §3.2 [REC]):
/// the full request target, the same without the query, then both relative to the gateway's base path.
enum SignedPath {
    static func candidates(target: String, basePath: String) -> [String] {
        let withoutQuery = target.firstIndex(of: "?").map { String(target[..<$0]) } ?? target
        var paths = [target, withoutQuery]
        if !basePath.isEmpty, withoutQuery == basePath || withoutQuery.hasPrefix(basePath + "/") {
            for path in [target, withoutQuery] {
                let relative = String(path.dropFirst(basePath.count))
                paths.append(relative.hasPrefix("/") ? relative : "/" + relative)
            }
        }
        var seen: Set<String> = []
        return paths.filter { seen.insert($0).inserted }
    }
}
