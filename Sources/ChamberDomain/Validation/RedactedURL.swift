import Foundation

/// A URL (database, Redis) with its password hidden, for messages and logs.
///
/// The password is what follows the first `:` of the user information: between the scheme's `://` (or the start,
/// when there is none) and the last `@` after it. Any text is taken, a malformed URL included: this is what an
/// error message about a malformed URL shows.
public func redactedURL(_ url: String) -> String {
    let authority = url.range(of: "://")?.upperBound ?? url.startIndex
    guard let at = url[authority...].lastIndex(of: "@"), let colon = url[authority..<at].firstIndex(of: ":") else { return url }
    return String(url[...colon]) + "***" + String(url[at...])
}
