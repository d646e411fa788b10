/// `?, ?, ?`: the placeholders of an `IN (…)` list or a row of `count` values.
func placeholders(_ count: Int) -> String {
    Array(repeating: "?", count: count).joined(separator: ", ")
}

extension Array {
    /// The elements in consecutive slices of at most `size` (statements have a bound on their parameters).
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}

/// `a.x, a.y`: the columns `names` of the table a join calls `alias`; with a `prefix`, each renamed (`a.x AS px`) so
/// it clashes with no other table's column of the same name.
func columnList(_ names: [String], of alias: String, prefixed prefix: String? = nil) -> String {
    names.map { name in prefix.map { "\(alias).\(name) AS \($0)\(name)" } ?? "\(alias).\(name)" }.joined(separator: ", ")
}
