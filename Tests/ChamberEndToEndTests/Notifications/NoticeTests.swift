import ChamberDomain
import ChamberHTTP
import ChamberServer
import ChamberStorage
import ChamberTestSupport
import Foundation
import HTTPTypes
import Synchronization
import Testing

/// Notices: what concerns a member and is no message (an invoice of theirs, their membership's status) reaches their
/// feed and their open sockets as an entry of its own, by their in-app level for billing or membership.
@Suite("Notifications: notices of invoices and membership in the feed")
struct NoticeTests {
    @Test(
        "a dues invoice and a suspension reach the member's socket and feed as notices naming their subject; a level of none keeps them out",
        arguments: TestBackend.enabled)
    func notices(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let (admin, staff) = (try await api.signUp("admin"), try await api.signUp("stella"))
            let (apu, bea) = (try await api.signUp("apu"), try await api.signUp("bea"))
            let chamber = try await MembershipApplicationTests.chamber(api, admin: admin, staff: staff)
            for member in [apu, bea] {
                try await MembershipStandingTests.approved(api, member, chamber: chamber.id, tier: chamber.tier, staff: staff)
            }
            // Bea wants no billing or membership notices in the app (her mail is another matter).
            let off = try await api.call(
                .patch, "/v1/chambers/\(chamber.id)/notification-preferences", token: bea.accessToken,
                json: ["categories": ["billing": ["in_app": "none"], "membership": ["in_app": "none"]]])
            #expect(off.status == .ok, "\(off.json)")
            // The approval's welcome DM is each one's first notification.
            for member in [apu, bea] {
                try await eventually("\(member.email)'s welcome DM is notified") {
                    (try? await api.call(.get, "/v1/chambers/\(chamber.id)/notifications", token: member.accessToken).json["unread_count"].int) == 1
                }
            }
            let before = 1
            let socket = try await HubTests.socket(api, apu, chamber.id)

            // Dues are invoiced: a billing notice of the invoice, live and in the feed.
            let clock = MembershipStandingTests.Job.Clock(Date())
            let billing = BillingService(
                store: api.store, mailer: MembershipStandingTests.MailBox(),
                notices: NoticeNotifier(store: api.store, delivery: api.node.realtime.hub) { clock.now.withLock { $0 } }
            ) { clock.now.withLock { $0 } }
            #expect(try await billing.runDues(chamberID: ChamberID(chamber.id)) == 2)
            let invoice = try #require(try await DuesBillingTests.invoices(api, chamber.id, of: apu).first)
            let live = try await socket.next("notification")
            let notice = live["notification"]
            #expect(notice["category"].string == "billing" && live["unread_count"].int == before + 1)
            #expect(notice["subject"] == JSON(any: ["kind": "invoice", "id": invoice["id"].string ?? ""]), "\(notice)")
            #expect(notice["title"].string == "Your dues invoice \(invoice["number"].string ?? "")")
            #expect(notice["text"].string?.hasPrefix("Your membership dues are invoiced") == true)
            // Omitted, not null: a notice has no channel, sequence, message or author.
            #expect(Set(notice.object?.keys.map { $0 } ?? []) == ["id", "category", "subject", "title", "text", "count", "created_at", "updated_at"])
            #expect(notice["count"].int == 1 && notice["read_at"].isNull)

            // Staff suspend: a membership notice of the member's own membership, with the chamber's reason. Suspension
            // takes the right to post, so the socket is asked to reconnect (4005); the feed has the notice.
            let suspended = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/members/\(apu.userID)/standing", token: staff.accessToken,
                json: ["action": "suspend", "reason": "Complaints under review"])
            #expect(suspended.status == .ok, "\(suspended.json)")
            #expect(try await socket.closeCode() == 4005)
            let suspendBea = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/members/\(bea.userID)/standing", token: staff.accessToken,
                json: ["action": "suspend", "reason": "Complaints under review"])
            #expect(suspendBea.status == .ok)

            // The feed over REST: Apu's two notices, newest first, and a read of one; Bea's feed holds no notice.
            let feed = try await api.call(.get, "/v1/chambers/\(chamber.id)/notifications", token: apu.accessToken)
            #expect(feed.status == .ok && feed.json["unread_count"].int == before + 2, "\(feed.json)")
            let notices = feed.json["items"].array.filter { !$0["subject"].isNull }
            #expect(notices.map { $0["category"].string ?? "" } == ["membership", "billing"])
            #expect(notices.last?["id"] == notice["id"] && notices.last?["subject"]["id"].string == invoice["id"].string)
            let membership = try #require(notices.first)
            #expect(membership["title"].string == "Your membership is suspended")
            #expect(membership["subject"] == JSON(any: ["kind": "membership", "id": apu.userID]))
            #expect(membership["text"].string?.contains("Complaints under review") == true)
            let read = try await api.call(
                .post, "/v1/chambers/\(chamber.id)/notifications/read", token: apu.accessToken, json: ["ids": [notice["id"].string ?? ""]])
            #expect(read.status == .ok && read.json["unread_count"].int == before + 1, "\(read.json)")
            // Bea's feed holds her welcome DM, and no notice.
            let beas = try await api.call(.get, "/v1/chambers/\(chamber.id)/notifications", token: bea.accessToken)
            #expect(beas.status == .ok && beas.json["items"].array.map { $0["category"].string ?? "" } == ["direct_messages"], "\(beas.json)")
        }
    }

    @Test(
        "a notice a node wrote with its change and never recorded (it stopped) is recorded by a node's worker, once, with its mail",
        arguments: TestBackend.enabled)
    func owed(_ backend: TestBackend) async throws {
        // A database of its own: on the shared one, another test's node (whose hub reaches no socket of this test)
        // could be the one that records the notice.
        try await withServer(backend, isolated: true) { api in
            let (admin, staff, apu) = (try await api.signUp("admin"), try await api.signUp("stella"), try await api.signUp("apu"))
            let chamber = try await MembershipApplicationTests.chamber(api, admin: admin, staff: staff)
            try await MembershipStandingTests.approved(api, apu, chamber: chamber.id, tier: chamber.tier, staff: staff)
            let feedPath = "/v1/chambers/\(chamber.id)/notifications"
            try await eventually("the welcome DM is notified") {
                (try? await api.call(.get, feedPath, token: apu.accessToken).json["unread_count"].int) == 1
            }
            let socket = try await HubTests.socket(api, apu, chamber.id)

            // A change as a node writes it, which then stops: its notice is written owed with it and handed to nobody.
            // Made 31 s ago, it is due for any node now (a node leaves its own notices to itself for 30 s).
            let scope = api.store.scoped(to: ChamberID(chamber.id))
            func suspend(_ reason: String, madeAgo age: TimeInterval = 31) async throws -> Notice {
                let member = try #require(try await scope.members.find(userID: UserID(apu.userID)))
                var standing = try #require(member.membership.standing)
                standing.status = .suspended
                let notice = Notice(
                    chamberID: ChamberID(chamber.id), userID: UserID(apu.userID), category: .membership, subject: .membership(of: UserID(apu.userID)),
                    title: "Your membership is suspended", text: reason, mailSubject: "Shelbyville Chamber: your membership is suspended",
                    at: Date().addingTimeInterval(-age))
                #expect(try await scope.standings.update(userID: UserID(apu.userID), standing, entry: nil, seats: nil, notices: [notice]))
                return notice
            }
            func mailed() async throws -> [String] {
                try await MembershipStandingTests.mail(api, to: apu.email, kind: .membership).filter { $0.subject.hasSuffix("suspended") }.map(\.body)
            }
            let first = try await suspend("Complaints under review")
            let live = try await socket.next("notification", timeout: .seconds(40))
            #expect(live["notification"]["id"].string == first.id.rawValue && live["unread_count"].int == 2, "\(live)")
            #expect(live["notification"]["subject"] == JSON(any: ["kind": "membership", "id": apu.userID]))
            #expect(try await api.store.noticeOutbox.owed([first.id]).isEmpty, "recorded, no longer owed")
            #expect(try await mailed() == ["Complaints under review"])

            // A notice just made is its own node's for 30 s: no other node's worker claims it.
            let fresh = try await suspend("Second thoughts", madeAgo: 0)
            let otherNode = NoticeNotifier(store: api.store, delivery: nil) { Date() }
            #expect(try await otherNode.deliverDue() == 0)
            #expect(try await api.store.noticeOutbox.owed([fresh.id]).map(\.notice.id) == [fresh.id])

            // Past those 30 s, two other nodes' workers and the node that made the change (late) at once: the notice
            // is recorded once. Apu now wants membership notices by mail only, so its one mail proves that only one
            // recorded it (a feed entry's key would also stop a second).
            let mailOnly = try await api.call(
                .patch, "/v1/chambers/\(chamber.id)/notification-preferences", token: apu.accessToken,
                json: ["categories": ["membership": ["in_app": "none", "push": "none"]]])
            #expect(mailOnly.status == .ok, "\(mailOnly.json)")
            let later = (0..<2).map { _ in NoticeNotifier(store: api.store, delivery: nil) { Date().addingTimeInterval(31) } }
            try await withThrowingTaskGroup(of: Int.self) { group in
                for node in later { group.addTask { try await node.deliverDue() } }
                group.addTask {
                    await otherNode.deliver([fresh.id])
                    return 0
                }
                try await group.waitForAll()
            }
            try await eventually("the second notice is recorded") { (try? await api.store.noticeOutbox.owed([fresh.id]).isEmpty) == true }
            // Sorted: the mails are dated by their recorders' clocks, the node's and this test's.
            let mails = try await mailed()
            #expect(mails.sorted() == ["Complaints under review", "Second thoughts"], "\(mails)")
            let feed = try await api.call(.get, feedPath, token: apu.accessToken).json
            #expect(feed["items"].array.filter { !$0["subject"].isNull }.map { $0["id"].string ?? "" } == [first.id.rawValue], "\(feed)")
            #expect(try await later[0].deliverDue() == 0, "nothing is owed")
        }
    }
}
