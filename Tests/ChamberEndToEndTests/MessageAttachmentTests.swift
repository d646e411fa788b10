import ChamberDomain
import ChamberHTTP
import ChamberServer
import ChamberTestSupport
import Foundation
import HTTPTypes
import Testing

/// Files attached to messages, as a member meets them: uploaded over REST to a channel, attached to a `send` on the
/// socket by the path the server answered, delivered with what the server found in the bytes, and downloaded with a
/// token by the channel's readers only.
@Suite("Message attachments: upload, send, download")
struct MessageAttachmentTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 300)

    static func upload(
        _ api: TestAPI, _ token: String, chamber: String, channel: String, name: String = "map.png", _ bytes: [UInt8],
        contentType: String? = "image/png"
    ) async throws -> APIResponse {
        var headers = HTTPFields()
        if let contentType { headers[.contentType] = contentType }
        return try await api.call(
            .post,
            "/v1/chambers/\(chamber)/channels/\(channel)/files?name=\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")",
            token: token, bytes: bytes, headers: headers)
    }

    @Test(
        "an upload is checked like any file and kept for its channel; a send names it by path and carries what the server found; only the channel's readers download it",
        arguments: TestBackend.enabled)
    func attachments(_ backend: TestBackend) async throws {
        try await withServer(backend, configure: { $0.filesMaxBytes = 64 * 1024 }) { api in
            let (room, ann, ben, dm) = try await HubTests.directPair(api)
            let chamber = room.chamberID
            let (annAccount, benAccount) = (room.members[0], room.members[1])
            let cy = try await api.signUp("cy")
            try await api.addMember(cy, to: chamber, role: "member", by: room.admin)

            // Checked by the bytes and size, as every upload is; posting rights first.
            let text = try await Self.upload(api, annAccount.accessToken, chamber: chamber, channel: dm, name: "notes.txt", Array("hello".utf8))
            #expect(text.status == .badRequest && text.errorCode == "file_type_refused", "\(text.json)")
            let lying = try await Self.upload(api, annAccount.accessToken, chamber: chamber, channel: dm, name: "map.pdf", Self.png)
            #expect(lying.errorCode == "file_type_refused" && lying.errorField == "name")
            #expect(try await Self.upload(api, annAccount.accessToken, chamber: chamber, channel: dm, []).errorCode == "validation_failed")
            let large = try await Self.upload(
                api, annAccount.accessToken, chamber: chamber, channel: dm, Self.png + Array(repeating: 0, count: 64 * 1024))
            #expect(large.status == .contentTooLarge && large.errorCode == "file_too_large")
            let outsider = try await Self.upload(api, cy.accessToken, chamber: chamber, channel: dm, Self.png + Array(repeating: 0, count: 64 * 1024))
            #expect(
                outsider.status == .notFound && outsider.errorCode == "channel_not_found",
                "not a member of the DM, whatever the size: \(outsider.json)")

            let uploaded = try await Self.upload(api, annAccount.accessToken, chamber: chamber, channel: dm, name: "../Detour map.png", Self.png)
            #expect(uploaded.status == .created, "\(uploaded.json)")
            let file = uploaded.json
            let url = file["url"].string ?? ""
            #expect(url == "/v1/chambers/\(chamber)/files/\(file["id"].string ?? "")")
            #expect(file["content_type"].string == "image/png" && file["size"].int == Self.png.count && file["name"].string == "Detour map.png")
            #expect(file["scan_status"].string == "not_scanned")

            // Sent by path (any case of its ids): the server describes the file as it kept it, whatever the send said of it.
            let ack = try await ann.request(
                [
                    "type": "send", "channel_id": dm, "client_message_id": "with-file", "body": "the detour",
                    "attachments": [
                        [
                            "url": url.uppercased().replacingOccurrences(of: "/V1/CHAMBERS/", with: "/v1/chambers/").replacingOccurrences(
                                of: "/FILES/", with: "/files/"), "content_type": "application/pdf", "size": 1, "name": "other.pdf",
                        ]
                    ],
                ], expect: "ack")
            #expect(ack["status"].string == "published")
            let delivered = try await ben.next("message")
            let attachment = delivered["message"]["attachments"][0]
            #expect(attachment["url"].string == url && attachment["content_type"].string == "image/png", "\(delivered)")
            #expect(attachment["size"].int == Self.png.count && attachment["name"].string == "Detour map.png")
            let history = try await api.call(.get, "/v1/chambers/\(chamber)/channels/\(dm)/messages", token: benAccount.accessToken)
            #expect(history.json["items"].array.last?["attachments"][0]["url"].string == url)

            // Downloaded by the channel's readers, with their token; nobody else learns the file is there.
            let downloaded = try await api.call(.get, url, token: benAccount.accessToken)
            #expect(downloaded.status == .ok && Array(downloaded.body) == Self.png)
            #expect(downloaded.headers[.contentType] == "image/png" && downloaded.headers[.cacheControl] == "private, no-store")
            #expect(downloaded.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(downloaded.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"Detour map.png\"") == true)
            for (who, token) in [("a member outside the DM", cy.accessToken), ("the chamber's admin, outside the DM", room.admin.accessToken)] {
                let refused = try await api.call(.get, url, token: token)
                #expect(refused.status == .notFound && refused.errorCode == "file_not_found", "\(who): \(refused.json)")
            }
            #expect(try await api.call(.get, url).status == .unauthorized)
            let missing = try await api.call(.get, "/v1/chambers/\(chamber)/files/\(UUID().uuidString.lowercased())", token: benAccount.accessToken)
            #expect(missing.errorCode == "file_not_found")
            let stranger = try await api.signUp("stranger")
            let elsewhere = try await api.createChamber(stranger, name: "Elsewhere")
            let otherChamber = try await api.call(.get, "/v1/chambers/\(elsewhere)/files/\(file["id"].string ?? "")", token: stranger.accessToken)
            #expect(otherChamber.errorCode == "file_not_found", "a file is found in its own chamber only: \(otherChamber.json)")

            // Only its uploader attaches it, and only in its channel; a path must be one of this chamber's files.
            func refusal(_ client: WSTestClient, _ channel: String, _ url: String) async throws -> JSON {
                try await client.request(
                    [
                        "type": "send", "channel_id": channel, "client_message_id": UUID().uuidString,
                        "attachments": [["url": url, "content_type": "image/png", "size": 1]],
                    ], expect: "ack", expectError: true)
            }
            let borrowed = try await refusal(ben, dm, url)
            #expect(borrowed["code"].string == "validation_failed" && borrowed["field"].string == "attachments.url", "\(borrowed)")
            let group =
                try await ann.request(["type": "create_channel", "kind": "group", "name": "Pics", "members": [cy.userID]], expect: "channel")[
                    "channel"]["id"].string ?? ""
            #expect(try await refusal(ann, group, url)["code"].string == "validation_failed", "a file of the DM is not sent to the group")
            for path in ["/v1/chambers/\(elsewhere)/files/\(file["id"].string ?? "")", "/etc/passwd", "/v1/chambers/\(chamber)/files/not-an-id"] {
                #expect(try await refusal(ann, dm, path)["field"].string == "attachments.url", "\(path)")
            }

            // Deleted with its message: the file goes too.
            try await ann.request(["type": "delete", "message_id": ack["message_id"].string ?? ""], expect: "ok")
            let gone = try await api.call(.get, url, token: benAccount.accessToken)
            #expect(gone.status == .notFound && gone.errorCode == "file_not_found", "\(gone.json)")
            let afterDelete = try await api.call(.get, "/v1/chambers/\(chamber)/channels/\(dm)/messages", token: benAccount.accessToken)
            #expect(afterDelete.json["items"].array.first { $0["id"] == ack["message_id"] }?["attachments"].array.isEmpty == true)

            // A file no message names is removed after a day (here: at once); sent and held ones stay.
            let unsent = try await Self.upload(api, annAccount.accessToken, chamber: chamber, channel: dm, name: "unsent.png", Self.png)
            let kept = try await Self.upload(api, annAccount.accessToken, chamber: chamber, channel: dm, name: "kept.png", Self.png)
            let held = try await Self.upload(api, annAccount.accessToken, chamber: chamber, channel: dm, name: "held.png", Self.png)
            for (file, body) in [(kept, "kept"), (held, "is this a scam?")] {
                let answer = try await ann.request(
                    [
                        "type": "send", "channel_id": dm, "client_message_id": UUID().uuidString, "body": body,
                        "attachments": [["url": file.json["url"].string ?? "", "content_type": "image/png", "size": 1]],
                    ], expect: "ack")
                #expect(answer["status"].string == (body == "kept" ? "published" : "held"), "\(answer)")
            }
            // The sweep covers every chamber of the database (other suites' may share it): at least this one went.
            #expect(try await api.node.membership.files.removeUnsentAttachments(uploadedBefore: Date().addingTimeInterval(5)) >= 1)
            for (file, status) in [(unsent, 404), (kept, 200), (held, 200)] {
                let answer = try await api.call(.get, file.json["url"].string ?? "", token: annAccount.accessToken)
                #expect(Int(answer.status.code) == status, "\(file.json["name"]): \(answer.status)")
            }
            _ = try await api.node.membership.files.removeUnsentAttachments(uploadedBefore: Date().addingTimeInterval(5))
            #expect(try await api.call(.get, kept.json["url"].string ?? "", token: annAccount.accessToken).status == .ok, "a named file stays named")

            // The review queue shows a held message's files, and the admin (not in the DM) opens them while it waits.
            let heldURL = held.json["url"].string ?? ""
            let queue = try await api.call(.get, "/v1/chambers/\(chamber)/moderation/queue", token: room.admin.accessToken)
            let item = queue.json["items"].array.first { $0["kind"].string == "held" }
            #expect(item?["attachments"][0]["url"].string == heldURL && item?["attachments"][0]["name"].string == "held.png", "\(queue.json)")
            #expect(try await api.call(.get, heldURL, token: room.admin.accessToken).status == .ok, "a pending item's file")
            #expect(try await api.call(.get, heldURL, token: cy.accessToken).errorCode == "file_not_found", "a member who reviews nothing")
            let decided = try await api.call(
                .post, "/v1/chambers/\(chamber)/moderation/queue/\(item?["id"].string ?? "")/decision", token: room.admin.accessToken,
                json: ["decision": "reject"])
            #expect(decided.status == .ok, "\(decided.json)")
            #expect(try await api.call(.get, heldURL, token: room.admin.accessToken).errorCode == "file_not_found", "decided: the channel's again")
            #expect(try await api.call(.get, heldURL, token: annAccount.accessToken).errorCode == "file_not_found", "a rejected send's file goes")

            // One file sent twice: deleting one message leaves it to the other; deleting both removes it.
            let twice = try await Self.upload(api, annAccount.accessToken, chamber: chamber, channel: dm, name: "twice.png", Self.png)
            let twiceURL = twice.json["url"].string ?? ""
            var twiceIDs: [String] = []
            for _ in 0..<2 {
                let sent = try await ann.request(
                    [
                        "type": "send", "channel_id": dm, "client_message_id": UUID().uuidString,
                        "attachments": [["url": twiceURL, "content_type": "image/png", "size": 1]],
                    ], expect: "ack")
                twiceIDs.append(sent["message_id"].string ?? "")
            }
            try await ann.request(["type": "delete", "message_id": twiceIDs[0]], expect: "ok")
            #expect(try await api.call(.get, twiceURL, token: benAccount.accessToken).status == .ok, "still named by the other message")
            try await ann.request(["type": "delete", "message_id": twiceIDs[1]], expect: "ok")
            #expect(try await api.call(.get, twiceURL, token: benAccount.accessToken).errorCode == "file_not_found")

            // Posting rules bind uploads as they bind sends.
            let admin = try await HubTests.socket(api, room.admin, chamber)
            try await admin.request(["type": "moderate", "action": "mute", "user_id": annAccount.userID], expect: "moderated")
            let muted = try await Self.upload(api, annAccount.accessToken, chamber: chamber, channel: dm, Self.png)
            #expect(muted.status == .forbidden && muted.errorCode == "user_muted", "\(muted.json)")
        }
    }
}
