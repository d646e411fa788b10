import ChamberDomain
import ChamberHTTP
import ChamberServer
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import Testing

@Suite("REST: a chamber's retention of messages and audit entries")
struct RetentionTests {
    @Test(
        "what is past its time is archived to a file the admins download, then removed; two nodes at once archive it once",
        arguments: TestBackend.enabled)
    func retention(_ backend: TestBackend) async throws {
        // A database of its own: the job reads every chamber, and removes rows.
        try await withServer(backend, isolated: true) { api in
            let scene = try await PrivacyAPITests.scene(api)
            let chamber = scene.chamber
            let admin = chamber.admin.accessToken
            let short = try await api.call(.patch, chamber.path, token: admin, json: ["settings": ["retention": ["messages_days": 5]]])
            #expect(short.status == .badRequest && short.errorField == "settings.retention.messages_days")
            let set = try await api.call(
                .patch, chamber.path, token: admin, json: ["settings": ["retention": ["messages_days": 30, "audit_days": 365]]])
            #expect(set.json["settings"]["retention"]["messages_days"].int == 30 && set.json["settings"]["retention"]["audit_days"].int == 365)
            let fresh = try await api.call(
                .post, "\(chamber.path)/channels/\(scene.lounge)/messages", token: scene.bob.accessToken,
                json: ["client_message_id": UUID().uuidString, "body": "Fresh words"])
            #expect(fresh.status == .created)

            // Ann's and Bob's first words are 40 days old; the chamber's founding entry 400.
            let db = api.store.database
            let old = Date().addingTimeInterval(-40 * 86_400).millisecondsSince1970
            try await db.query(
                "UPDATE messages SET created_at = ? WHERE channel_id = ? AND body IN ('Ann''s own words', 'Bob''s own words')",
                [.int(old), .text(scene.lounge)])
            try await db.query(
                "UPDATE audit_log SET at = ? WHERE chamber_id = ? AND action = 'chamber.created'",
                [.int(Date().addingTimeInterval(-400 * 86_400).millisecondsSince1970), .text(chamber.id)])

            async let first = api.node.membership.retention.run()
            async let second = api.node.membership.retention.run()
            _ = try await (first, second)

            let archives = try await api.call(.get, "\(chamber.path)/archives", token: admin).json["items"].array
            #expect(Set(archives.compactMap { $0["kind"].string }) == ["messages", "audit"] && archives.count == 2, "once each: \(archives)")
            let messages = try #require(archives.first { $0["kind"].string == "messages" })
            #expect(messages["count"].int == 2)
            let file = try await api.call(.get, "\(chamber.path)/archives/\(messages["id"].string ?? "")", token: admin)
            #expect(file.status == .ok && file.headers[.contentType] == "application/x-ndjson")
            let lines = String(decoding: file.body, as: UTF8.self).split(separator: "\n").compactMap { try? JSON.parse(Data($0.utf8)) }
            #expect(Set(lines.compactMap { $0["body"].string }) == ["Ann's own words", "Bob's own words"], "\(lines)")
            #expect(lines.allSatisfy { $0["channel_id"].string == scene.lounge && $0["created_at"].string?.hasSuffix("Z") == true })

            let history = try await api.call(.get, "\(chamber.path)/channels/\(scene.lounge)/messages", token: scene.bob.accessToken)
            #expect(history.json["items"].array.compactMap { $0["body"].string } == ["Fresh words"], "\(history.json)")
            let audit = try await api.call(.get, "\(chamber.path)/audit-log?limit=200", token: admin).json["items"].array
            #expect(!audit.contains { $0["action"].string == "chamber.created" })
            #expect(audit.contains { $0["action"].string == "retention.archive_downloaded" })
            #expect(try await api.call(.get, "\(chamber.path)/archives", token: chamber.staff.accessToken).errorCode == "forbidden")
            #expect(try await api.call(.get, "\(chamber.path)/archives/messages-nope", token: admin).status == .notFound)

            _ = try await api.node.membership.retention.run()
            #expect(try await api.call(.get, "\(chamber.path)/archives", token: admin).json["items"].array.count == 2, "nothing more to archive")
        }
    }
}
