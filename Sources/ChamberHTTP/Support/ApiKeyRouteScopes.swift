import ChamberDomain
import HTTPTypes

/// The routes API keys may call, and the scope each needs. Every other route refuses a key
/// (`api_key_not_allowed`): a route is opened to integrations by adding it here, never by default.
enum ApiKeyRouteScopes {
    static let chamber = "/v1/chambers/{chamberId}"

    static let table: [String: ApiKeyScope] = {
        var table: [String: ApiKeyScope] = [:]
        func open(_ method: HTTPRequest.Method, _ paths: [String], _ scope: ApiKeyScope) {
            for path in paths { table["\(method.rawValue) \(chamber)\(path)"] = scope }
        }
        open(
            .get,
            [
                "/members", "/members/{userId}", "/members/{userId}/standing", "/standings", "/businesses", "/businesses/{businessId}", "/tiers",
                "/exports/members", "/engagement",
            ], .membersRead)
        open(.get, ["/directory", "/directory/people"], .directoryRead)
        open(.get, ["/events", "/events/{eventId}", "/events/{eventId}/registrations", "/events/{eventId}/report"], .eventsRead)
        open(.post, ["/events", "/events/{eventId}/publish", "/events/{eventId}/cancel"], .eventsWrite)
        open(.patch, ["/events/{eventId}"], .eventsWrite)
        open(.get, ["/invoices", "/invoices/{invoiceId}", "/billing/report", "/billing/exports/ledger"], .billingRead)
        open(.post, ["/invoices", "/invoices/{invoiceId}/issue", "/invoices/{invoiceId}/payments"], .billingWrite)
        return table
    }()

    /// The scope a route needs of a key, or nil when keys may not call it.
    static func scope(_ method: HTTPRequest.Method, _ endpointPath: String) -> ApiKeyScope? {
        table["\(method.rawValue) \(endpointPath)"]
    }
}
