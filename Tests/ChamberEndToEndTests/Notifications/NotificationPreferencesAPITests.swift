import ChamberTestSupport
import Foundation
import HTTPTypes
import Testing

@Suite("REST: notification preferences and the chamber's defaults")
struct NotificationPreferencesAPITests {
    @Test("a member's preferences: defaults, choices, null back to the default, the chamber's defaults beneath", arguments: TestBackend.enabled)
    func layers(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let room = try await HubTests.room(api, members: 1)
            let member = room.members[0]
            let path = "/v1/chambers/\(room.chamberID)/notification-preferences"

            let initial = try await api.call(.get, path, token: member.accessToken)
            #expect(initial.status == .ok)
            #expect(initial.json["categories"]["direct_messages"]["push"].string == "all")
            #expect(initial.json["categories"]["channel_messages"]["push"].string == "none")
            #expect(initial.json["preview"].bool == true && initial.json["email_digest"].string == "daily")
            #expect(initial.json["custom"].array.isEmpty && initial.json["quiet_hours"] == .null)

            let changed = try await api.call(
                .patch, path, token: member.accessToken,
                json: [
                    "categories": ["channel_messages": ["push": "mentions"], "billing": ["email": "none"]],
                    "preview": false, "quiet_hours": ["start": "22:00", "end": "07:00"],
                ])
            #expect(changed.status == .ok, "\(changed.json)")
            #expect(changed.json["categories"]["channel_messages"]["push"].string == "mentions")
            #expect(changed.json["categories"]["billing"]["email"].string == "none")
            #expect(changed.json["categories"]["billing"]["push"].string == "all", "the rest of the category is untouched")
            #expect(changed.json["preview"].bool == false)
            #expect(changed.json["quiet_hours"]["time_zone"].string == "UTC", "the chamber's zone when none is given")
            #expect(
                changed.json["custom"].array.compactMap(\.string)
                    == ["categories.channel_messages.push", "categories.billing.email", "preview", "quiet_hours"])

            // The admin changes the chamber's defaults: what the member chose stays theirs, the rest follows.
            let defaults = try await api.call(
                .put, "/v1/chambers/\(room.chamberID)/notification-defaults", token: room.admin.accessToken,
                json: ["categories": ["billing": ["email": "all", "push": "none"]], "email_digest": "hourly", "preview": true])
            #expect(defaults.status == .ok, "\(defaults.json)")
            #expect(
                defaults.json["custom"].array.compactMap(\.string) == [
                    "categories.billing.push", "categories.billing.email", "preview", "email_digest",
                ])
            let after = try await api.call(.get, path, token: member.accessToken)
            #expect(after.json["categories"]["billing"]["push"].string == "none", "follows the chamber")
            #expect(after.json["categories"]["billing"]["email"].string == "none", "the member's own choice")
            #expect(after.json["email_digest"].string == "hourly" && after.json["preview"].bool == false)

            let reset = try await api.call(
                .patch, path, token: member.accessToken,
                json: ["categories": ["billing": ["email": NSNull()]], "preview": NSNull(), "quiet_hours": NSNull()])
            #expect(reset.json["categories"]["billing"]["email"].string == "all", "null gives it back to the chamber")
            #expect(reset.json["preview"].bool == true && reset.json["quiet_hours"] == .null)
            #expect(reset.json["custom"].array.compactMap(\.string) == ["categories.channel_messages.push"])

            let audit = try await api.call(.get, "/v1/chambers/\(room.chamberID)/audit-log", token: room.admin.accessToken)
            #expect(audit.json["items"].array.contains { $0["action"].string == "notifications.defaults_changed" })
        }
    }

    @Test("preferences are per chamber and per member", arguments: TestBackend.enabled)
    func isolation(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let room = try await HubTests.room(api, members: 2)
            let other = try await api.createChamber(room.members[0], name: "Other Chamber")
            let path = "/v1/chambers/\(room.chamberID)/notification-preferences"
            _ = try await api.call(.patch, path, token: room.members[0].accessToken, json: ["email_digest": "immediate"])
            #expect(try await api.call(.get, path, token: room.members[1].accessToken).json["email_digest"].string == "daily")
            let elsewhere = try await api.call(.get, "/v1/chambers/\(other)/notification-preferences", token: room.members[0].accessToken)
            #expect(elsewhere.json["email_digest"].string == "daily")
            let outsider = try await api.signUp("outsider")
            #expect(try await api.call(.get, path, token: outsider.accessToken).errorCode == "chamber_not_found")
        }
    }

    @Test("channel mutes: a readable channel, an end in the future, unmute", arguments: TestBackend.enabled)
    func mutes(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let room = try await HubTests.room(api, members: 3)
            let dm = try await api.call(
                .post, "/v1/chambers/\(room.chamberID)/channels/direct", token: room.members[0].accessToken,
                json: ["user_id": room.members[1].userID])
            let channelID = dm.json["id"].string ?? ""
            let mutes = "/v1/chambers/\(room.chamberID)/notification-preferences/mutes/\(channelID)"
            let until = Date().addingTimeInterval(3600)
            let muted = try await api.call(.put, mutes, token: room.members[0].accessToken, json: ["until": until.formatted(.iso8601)])
            #expect(muted.status == .ok, "\(muted.json)")
            #expect(muted.json["channel_mutes"][0]["channel_id"].string == channelID)
            let forever = try await api.call(.put, mutes, token: room.members[0].accessToken, json: [:])
            #expect(
                forever.json["channel_mutes"].array.count == 1 && forever.json["channel_mutes"][0]["until"] == .null, "muting again replaces the end")

            let past = try await api.call(.put, mutes, token: room.members[0].accessToken, json: ["until": "2020-01-01T00:00:00Z"])
            #expect(past.status == .badRequest && past.json["error"]["field"].string == "until")
            let notReadable = try await api.call(.put, mutes, token: room.members[2].accessToken, json: [:])
            #expect(notReadable.status == .notFound && notReadable.errorCode == "channel_not_found", "another pair's DM cannot be probed")

            let unmuted = try await api.call(.delete, mutes, token: room.members[0].accessToken)
            #expect(unmuted.status == .ok && unmuted.json["channel_mutes"].array.isEmpty)
            #expect(try await api.call(.delete, mutes, token: room.members[0].accessToken).status == .ok, "unmuting twice is harmless")
        }
    }

    @Test("bad input names the field and changes nothing; defaults are for admins", arguments: TestBackend.enabled)
    func badInput(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let room = try await HubTests.room(api, members: 1)
            let member = room.members[0]
            let path = "/v1/chambers/\(room.chamberID)/notification-preferences"
            let cases: [([String: Any], String)] = [
                (["categories": ["gossip": ["push": "all"]]], "categories.gossip"),
                (["categories": ["billing": ["sms": "all"]]], "categories.billing.sms"),
                (["categories": ["billing": ["push": "loud"]]], "categories.billing.push"),
                (["categories": ["billing": ["push": 1]]], "categories.billing.push"),
                (["categories": ["billing": "all"]], "categories.billing"),
                (["email_digest": "weekly"], "email_digest"),
                (["preview": "yes"], "preview"),
                (["quiet_hours": ["start": "22:00", "end": "22:00"]], "quiet_hours.end"),
                (["quiet_hours": ["start": "9pm", "end": "07:00"]], "quiet_hours.start"),
                (["quiet_hours": ["start": "22:00", "end": "07:00", "time_zone": "Nowhere/Land"]], "quiet_hours.time_zone"),
                (["quiet_hours": ["start": "22:00"]], "quiet_hours.end"),
                (["volume": 11], "volume"),
                (["preview": false, "email_digest": "weekly"], "email_digest"),
            ]
            for (body, field) in cases {
                let response = try await api.call(.patch, path, token: member.accessToken, json: body)
                #expect(response.status == .badRequest && response.errorCode == "validation_failed", "\(body): \(response.json)")
                #expect(response.json["error"]["field"].string == field, "\(body): \(response.json)")
            }
            let unchanged = try await api.call(.get, path, token: member.accessToken)
            #expect(unchanged.json["custom"].array.isEmpty, "no bad patch stored any part of itself")

            let defaults = "/v1/chambers/\(room.chamberID)/notification-defaults"
            #expect(try await api.call(.get, defaults, token: member.accessToken).errorCode == "forbidden")
            #expect(try await api.call(.put, defaults, token: member.accessToken, json: ["preview": false]).errorCode == "forbidden")
            let personal = try await api.call(
                .put, defaults, token: room.admin.accessToken, json: ["quiet_hours": ["start": "22:00", "end": "07:00"]])
            #expect(personal.status == .badRequest && personal.json["error"]["field"].string == "quiet_hours")
            let nulls = try await api.call(.put, defaults, token: room.admin.accessToken, json: ["preview": NSNull()])
            #expect(nulls.status == .badRequest && nulls.json["error"]["field"].string == "preview")
            #expect(try await api.call(.get, defaults, token: room.admin.accessToken).json["custom"].array.isEmpty)
        }
    }
}
