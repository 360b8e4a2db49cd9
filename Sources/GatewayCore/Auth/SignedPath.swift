/// The request paths a signature may have been made over, in the order they are tried (spec §3.2 [REC]): the full
/// target, the same without the query, then the path relative to the gateway's base path, with and without the
/// query.
///
/// Routes answer both under `http.base_path` and without it, because a proxy may strip the prefix. A target that
/// arrives without the prefix is taken as stripped: its full form, the one the caller signed, has the base path put
/// back in front.
enum SignedPath {
    static func candidates(target: String, basePath: String) -> [String] {
        let queryStart = target.firstIndex(of: "?") ?? target.endIndex
        let path = String(target[..<queryStart])
        let query = String(target[queryStart...])
        guard !basePath.isEmpty else { return unique([target, path]) }
        let full: String
        let relative: String
        if path == basePath || path.hasPrefix(basePath + "/") {
            full = path
            let rest = String(path.dropFirst(basePath.count))
            relative = rest.isEmpty ? "/" : rest
        } else {
            full = basePath + path
            relative = path
        }
        return unique([full + query, full, relative + query, relative])
    }

    private static func unique(_ paths: [String]) -> [String] {
        var seen: Set<String> = []
        return paths.filter { seen.insert($0).inserted }
    }
}
