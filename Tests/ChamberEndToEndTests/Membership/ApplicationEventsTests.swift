import ChamberDomain
import ChamberTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// The applicant watches their application live, through server-sent events, as staff decide.
@Suite("REST: an application's status, live")
struct ApplicationEventsTests {
    @Test(
        "the stream carries each change (a request for information, the answer, the approval) and ends at the decision",
        arguments: TestBackend.enabled)
    func live(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let (admin, staff, apu) = (try await api.signUp("admin"), try await api.signUp("stella"), try await api.signUp("apu"))
            let chamber = try await MembershipApplicationTests.chamber(api, admin: admin, staff: staff)
            let id =
                try await api.call(.post, "/v1/applications", token: apu.accessToken, json: ["chamber_id": chamber.id]).json["application"]["id"]
                .string ?? ""
            try await MembershipApplicationTests.fill(api, apu, id, MembershipApplicationTests.steps(tier: chamber.tier))
            #expect(try await api.call(.post, "/v1/applications/\(id)/submit", token: apu.accessToken).status == .ok)

            let port = api.client.port!
            let stream = try #require(EventStreamReader(port: port, path: "/v1/applications/\(id)/events?access_token=\(apu.accessToken)"))
            let first = await stream.nextEvent()
            #expect(stream.status == 200 && stream.text.lowercased().contains("content-type: text/event-stream"))
            #expect(first?["status"].string == "submitted" && first?["id"].string == id)
            #expect(first?["checks"].isNull == true, "the applicant's view")

            let request = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/applications/\(id)/decision", token: staff.accessToken,
                json: ["decision": "request_info", "message": "Send your Springfield license number"])
            #expect(request.status == .ok, "\(request.json)")
            let asked = await stream.nextEvent()
            #expect(
                asked?["status"].string == "info_requested" && asked?["info_request"].string == "Send your Springfield license number",
                "\(stream.text)")
            _ = try await api.call(.post, "/v1/applications/\(id)/submit", token: apu.accessToken, json: ["response": "SPR-1989-442"])
            #expect(await stream.nextEvent()?["status"].string == "submitted")
            _ = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/applications/\(id)/decision", token: staff.accessToken, json: ["decision": "approve"])
            let approved = await stream.nextEvent()
            #expect(approved?["status"].string == "approved" && approved?["business_id"].string != nil)
            #expect(await stream.read(timeout: 10) { $0.hasSuffix("0\r\n\r\n") }, "the stream ends after a final status")

            // Only the applicant's own application; a token is needed.
            let stranger = try await api.signUp("snake")
            let refused = try #require(EventStreamReader(port: port, path: "/v1/applications/\(id)/events?access_token=\(stranger.accessToken)"))
            _ = await refused.read(timeout: 10) { $0.contains("\r\n\r\n") }
            #expect(refused.status == 404 && refused.text.contains("application_not_found"))
            let anonymous = try #require(EventStreamReader(port: port, path: "/v1/applications/\(id)/events"))
            _ = await anonymous.read(timeout: 10) { $0.contains("\r\n\r\n") }
            #expect(anonymous.status == 401)
            let viaHeader = try await api.call(.get, "/v1/applications/\(id)/events", token: apu.accessToken)
            #expect(viaHeader.status == .ok && String(decoding: viaHeader.body, as: UTF8.self).contains("\"status\":\"approved\""))
        }
    }
}
