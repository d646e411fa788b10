import Foundation

/// A URL (database, Redis) with its password hidden, for messages and logs.
///
/// The password is what follows the first `:` of the user information, which ends at the last `@` and starts after
/// the first `://` before that `@` (or at the start, when there is none). Any text is taken, a malformed URL
/// included: this is what an error message about a malformed URL shows. Read as UTF-8 bytes, so that a combining
/// mark after a `:` or an `@` does not hide the delimiter; it may hide more than a password, never less.
public func redactedURL(_ url: String) -> String {
    let bytes = url.utf8
    guard let at = bytes.lastIndex(of: UInt8(ascii: "@")) else { return url }
    let head = bytes[..<at]
    let scheme = head.indices.first { head[$0...].starts(with: "://".utf8) }
    let userInfo = scheme.map { head.index($0, offsetBy: 3) } ?? head.startIndex
    guard let colon = head[userInfo...].firstIndex(of: UInt8(ascii: ":")) else { return url }
    return String(decoding: bytes[...colon], as: UTF8.self) + "***" + String(decoding: bytes[at...], as: UTF8.self)
}
