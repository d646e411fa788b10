import ChamberDomain
import ChamberHTTP
import ChamberServer
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Demo mode")
struct DemoTests {
    @Test("the demo chamber has one login per role, businesses and members; seeding twice changes nothing", arguments: TestBackend.enabled)
    func demo(_ backend: TestBackend) async throws {
        // The demo accounts have fixed emails, so on the shared PostgreSQL database they exist once for every test.
        try await withServer(backend, configure: { $0.demo = true }) { api in
            let again = try await DemoSeeder(store: api.store, accounts: api.node.services.accounts).seed()
            for login in DemoSeeder.logins {
                let account = try await api.logIn(email: login.email, password: DemoSeeder.password)
                let me = try await api.call(.get, "/v1/me", token: account.accessToken)
                if login.role == "platform admin" {
                    #expect(me.json["user"]["is_platform_admin"].bool == true)
                } else {
                    let membership = me.json["memberships"].array.first { $0["chamber"]["slug"].string == DemoSeeder.slug }
                    #expect(membership?["role"].string == login.role)
                    #expect(membership?["chamber"]["id"].string == again.id.rawValue)
                }
            }
            let admin = try await api.logIn(email: DemoSeeder.email(for: "admin"), password: DemoSeeder.password)
            let businesses = try await api.call(.get, "/v1/chambers/\(again.id)/businesses", token: admin.accessToken)
            #expect(businesses.json["items"].array.count >= 6)
            let members = try await api.call(.get, "/v1/chambers/\(again.id)/members?limit=200", token: admin.accessToken)
            #expect(members.json["items"].array.count >= 12)
            // Channels of every kind, with a history to show.
            let member = try await api.logIn(email: DemoSeeder.email(for: "member"), password: DemoSeeder.password)
            let channels = try await api.call(.get, "/v1/chambers/\(again.id)/channels", token: member.accessToken)
            let kinds = Set(channels.json["items"].array.compactMap { $0["channel"]["kind"].string })
            #expect(kinds == ["direct", "group", "event", "announcement"])
            let general = channels.json["items"].array.first { $0["channel"]["name"].string == "General" }?["channel"]["id"].string ?? ""
            let history = try await api.call(.get, "/v1/chambers/\(again.id)/channels/\(general)/messages", token: member.accessToken)
            #expect(history.json["items"].array.count >= 5)
        }
    }
}
