import Foundation

/// A URL (database, Redis) with its password hidden, for messages and logs.
public func redactedURL(_ url: String) -> String {
    guard let at = url.lastIndex(of: "@"), let scheme = url.range(of: "://"), let colon = url[scheme.upperBound..<at].firstIndex(of: ":") else {
        return url
    }
    return String(url[..<url.index(after: colon)]) + "***" + String(url[at...])
}
