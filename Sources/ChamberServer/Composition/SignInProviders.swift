import ChamberDomain
import Foundation

/// The OpenID Connect providers of `oidc.providers_file`.
enum SignInProviders {
    struct Entry: Decodable {
        let id: String
        let name: String
        let issuer: String
        let clientId: String
        let clientSecret: String?
        let clientSecretFile: String?
        let redirectUris: [String]
        let scopes: [String]?
    }

    /// The providers, checked: each needs an `https` issuer (`http` on a loopback address only, for tests), a
    /// secret, and at least one redirect address.
    static func load(_ configuration: ServerConfiguration) throws -> [SignInProvider] {
        guard let file = configuration.signInProvidersFile else { return [] }
        func refuse(_ why: String) -> ConfigurationError { ConfigurationError(key: "oidc.providers_file", "'\(file)': \(why)") }
        guard let data = FileManager.default.contents(atPath: file) else { throw refuse("cannot be read") }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let entries: [Entry]
        do { entries = try decoder.decode([Entry].self, from: data) } catch { throw refuse("not a list of providers: \(error)") }
        var seen: Set<String> = []
        return try entries.map { entry in
            guard SignInProvider.isValidID(entry.id), seen.insert(entry.id).inserted else {
                throw refuse("'\(entry.id)' is not a unique id of lowercase letters, digits and dashes")
            }
            guard let url = URL(string: entry.issuer), let host = url.host,
                url.scheme == "https" || (url.scheme == "http" && ["127.0.0.1", "localhost", "::1"].contains(host))
            else { throw refuse("\(entry.id): the issuer must be an https URL") }
            let secret: String
            if let inline = entry.clientSecret {
                secret = inline
            } else if let path = entry.clientSecretFile, let text = try? String(contentsOfFile: path, encoding: .utf8) {
                secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
            } else {
                throw refuse("\(entry.id): client_secret_file is missing or cannot be read")
            }
            guard !entry.redirectUris.isEmpty else { throw refuse("\(entry.id): redirect_uris is empty") }
            return SignInProvider(
                id: entry.id, name: entry.name, issuer: entry.issuer, clientID: entry.clientId, clientSecret: secret,
                redirectURIs: entry.redirectUris, scopes: entry.scopes ?? ["openid", "email", "profile"])
        }
    }
}
