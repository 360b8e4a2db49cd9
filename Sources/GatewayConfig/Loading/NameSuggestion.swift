/// "Did you mean …?" for misspelt keys, sections and variables: the nearest known name by edit distance.
enum NameSuggestion {
    /// `" (did you mean X?)"` when a known name is within two edits of `name`, otherwise empty.
    static func closest(to name: String, among known: [String]) -> String {
        let ranked = known.sorted().map { (name: $0, distance: distance(name, $0)) }.min { $0.distance < $1.distance }
        guard let best = ranked, best.distance <= 2 else { return "" }
        return " (did you mean \(best.name)?)"
    }

    /// Levenshtein distance over characters.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for (i, aChar) in a.enumerated() {
            var current = [i + 1]
            for (j, bChar) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (aChar == bChar ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
