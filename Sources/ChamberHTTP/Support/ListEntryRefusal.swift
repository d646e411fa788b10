/// An entry of a comma-separated setting (`server.trusted_proxies`, `server.cors_allowed_origins`) that says nothing
/// the node can use, and why: the configuration loader names the key around it.
public struct ListEntryRefusal: Error, Sendable {
    public let entry: String
    public let reason: String

    init(entry: String, _ reason: String) {
        self.entry = entry
        self.reason = reason
    }
}
