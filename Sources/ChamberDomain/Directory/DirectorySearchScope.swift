/// What a directory search looks in: the businesses' names always, and the text of the fields one audience may read.
public enum DirectorySearchScope: Hashable, Sendable {
    /// Names only: for a reader the chamber's policy shows nothing else (a guest where the directory is not public).
    case names
    /// Names, and each business's fields as it shows them to `audience`.
    case namesAndFields(DirectoryAudience)

    /// Where `reader` may search in a chamber with `settings`. A business's own choices decide its search text per
    /// audience; the chamber's policy can only narrow them, and the one narrowing that reaches the search is a
    /// chamber that shows the public nothing but names (``DirectoryPrivacy/audience(of:in:)``).
    public init(_ reader: DirectoryAudience, in settings: ChamberSettings) {
        self = reader == .public && !settings.publicDirectory ? .names : .namesAndFields(reader)
    }

    /// The audience whose fields are searched; nil for names only.
    public var audience: DirectoryAudience? {
        if case .namesAndFields(let audience) = self { audience } else { nil }
    }
}
