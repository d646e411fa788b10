import ChamberLoadKit
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Gets the run's accounts from the server: logs in as a platform admin and calls the load-test provisioning
/// endpoint (`POST /v1/admin/load-test/provision`, on where the server runs with `loadtest.enabled`).
struct Provisioner {
    let baseURL: String
    let email: String
    let password: String

    struct Cohort: Decodable {
        struct Account: Decodable {
            let userId: String
            let role: String
            let accessToken: String
        }
        let chamberId: String
        let eventId: String
        let roomId: String
        let announcementsId: String
        let accounts: [Account]
    }

    struct ProvisionError: Error, CustomStringConvertible {
        let description: String
    }

    func provision(members: Int, admins: Int, tokenSeconds: Int) async throws -> Cohort {
        let login = try await post("/v1/auth/login", body: ["email": email, "password": password], token: nil)
        guard let token = (try? JSONSerialization.jsonObject(with: login)).flatMap({ ($0 as? [String: Any])?["access_token"] as? String }) else {
            throw ProvisionError(description: "login as \(email) gave no access token")
        }
        let data = try await post(
            "/v1/admin/load-test/provision", body: ["members": members, "admins": admins, "token_ttl_seconds": tokenSeconds], token: token)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Cohort.self, from: data)
    }

    /// POSTs JSON to the server; an answer outside 2xx throws, with a hint when the cause is a usual one.
    func post(_ path: String, body: [String: Any], token: String?) async throws -> Data {
        try await send("POST", path, body: body, token: token)
    }

    /// Sends JSON to the server with `method`; an answer outside 2xx throws, with a hint when the cause is a usual one.
    func send(_ method: String, _ path: String, body: [String: Any], token: String?) async throws -> Data {
        guard let url = URL(string: baseURL + path) else { throw ProvisionError(description: "bad server URL \(baseURL)") }
        var request = URLRequest(url: url, timeoutInterval: 300)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw ProvisionError(description: "\(url) cannot be reached: \(error.localizedDescription). Is the server running (./scripts/serve.sh)?")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            let text = String(decoding: data, as: UTF8.self)
            var hint = ""
            if text.contains("load_test_disabled") {
                hint = " Start the server with --load-test (./scripts/serve.sh does) or CHAMBER_LOADTEST_ENABLED=true."
            }
            if text.contains("invalid_credentials") {
                hint = " Give a platform admin's --admin-email and --admin-password (the demo's are the default)."
            }
            throw ProvisionError(description: "\(method) \(path) answered \(status): \(text.prefix(300)).\(hint)")
        }
        return data
    }
}
