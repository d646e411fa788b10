import Foundation

/// Text as the directory searches it: words of letters and digits, case and accents folded ("José's Café" is
/// "jose s cafe"). Stored search texts and search terms are both written this way, so SQLite (whose FTS5 tokenizer
/// would fold accents itself) and PostgreSQL (whose `simple` configuration folds neither) find the same, and a
/// member who types "jose" finds "José".
public enum SearchWords {
    /// The folding's version, stored with each search text: texts of an older one are written again
    /// (``ChamberStore/reindexSearchTexts(limit:)``). Version 1 was lowercase only, and migration 17's texts lacked
    /// the website's host.
    public static let version = 2

    /// The words of `text`, folded.
    public static func split(_ text: String) -> [String] {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil).lowercased()
            .split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }

    /// The words of `text`, folded, one space apart: as search texts are stored.
    public static func text(_ text: String) -> String {
        split(text).joined(separator: " ")
    }
}
