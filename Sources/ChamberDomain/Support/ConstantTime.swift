/// Comparisons of secrets that take as long whichever byte differs, so the time taken says nothing of the secret.
public enum ConstantTime {
    /// Whether `a` and `b` are the same bytes, in time that depends on their lengths only.
    public static func equal(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
