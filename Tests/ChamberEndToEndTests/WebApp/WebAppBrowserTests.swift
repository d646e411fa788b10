import ChamberDomain
import ChamberServer
import ChamberStorage
import ChamberTestSupport
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// The web app in a real browser (headless Chromium) against a running server: what members and staff do with it,
/// at phone (390 px) and desktop (1280 px) widths. Screenshots of every page go to `.build/web-screenshots/`
/// (`CHAMBER_TEST_SCREENSHOTS` names another folder).
// One test at a time: each drives its own browser, and the first-load figure should measure the app, not three other
// browsers sharing the machine's two cores.
@Suite("Web app in a browser", .serialized, .enabled(if: Chromium.executable != nil, "needs Chromium (Debian's chromium)"))
struct WebAppBrowserTests {
    static let screenshots = URL(
        fileURLWithPath: ProcessInfo.processInfo.environment["CHAMBER_TEST_SCREENSHOTS"]
            ?? FrameSchemas.root.deletingLastPathComponent().appendingPathComponent(".build/web-screenshots").path)

    /// Runs `body` with a browser, and ends the browser however it ends.
    static func withBrowser(_ body: (Chromium) async throws -> Void) async throws {
        let browser = try await Chromium.launch()
        do {
            try await body(browser)
        } catch {
            await browser.close()
            throw error
        }
        await browser.close()
    }

    /// Saves the page at both widths.
    static func capture(_ page: BrowserPage, _ name: String, height: Int = 844) async throws {
        for width in [390, 1280] {
            try await page.resize(width: width, height: width == 390 ? height : 900)
            try await Task.sleep(for: .milliseconds(150))
            try await page.screenshot(to: screenshots.appendingPathComponent("\(name)-\(width).png"))
        }
    }

    /// What an offline audit can tell: images without alt text, fields without a label, buttons without a name.
    static func accessibilityProblems(_ page: BrowserPage) async throws -> [String] {
        try await page.evaluate(
            """
            (() => {
              const problems = [];
              for (const image of document.images) if (!image.hasAttribute('alt')) problems.push('image without alt: ' + image.src);
              for (const field of document.querySelectorAll('input, textarea, select')) {
                if (field.type === 'hidden') continue;
                if (!(field.labels?.length || field.getAttribute('aria-label') || field.getAttribute('aria-labelledby')))
                  problems.push('field without a label: ' + (field.id || field.name || field.tagName));
              }
              for (const button of document.querySelectorAll('button, a[href]'))
                if (!(button.textContent.trim() || button.getAttribute('aria-label'))) problems.push('control without a name: ' + button.outerHTML.slice(0, 80));
              return problems;
            })()
            """
        ).array.compactMap(\.string)
    }

    /// Signs in through the page's form and waits for the conversations.
    static func signIn(_ page: BrowserPage, base: String, _ account: Account) async throws {
        try await page.open(base + "/")
        try await page.type(account.email, into: "#email")
        try await page.type(account.password, into: "#password")
        try await page.click("form[aria-labelledby=signin-title] button[type=submit]")
        try await page.waitFor("document.querySelector('.channel-list')", "the conversations after signing in")
    }

    /// A new page in a context of its own, `width` wide, signed in as `account`.
    static func signedIn(_ browser: Chromium, base: String, _ account: Account, width: Int) async throws -> BrowserPage {
        let page = try await browser.newPage(width: width)
        try await signIn(page, base: base, account)
        return page
    }

    /// The bodies of the messages the open conversation shows, in order, with their sequence numbers.
    static func shown(_ page: BrowserPage) async throws -> [(seq: Int, body: String)] {
        try await page.evaluate(
            "[...document.querySelectorAll('.messages .message:not(.pending)')].map(row => [Number(row.dataset.seq), row.querySelector('.body')?.innerText ?? ''])"
        ).array.map { ($0.array.first?.int ?? 0, $0.array.last?.string ?? "") }
    }

    @Test(
        "the demo entry signs in as each role in one click; every page at phone and desktop widths, with no errors, labels and alt text; first load under 1 s"
    )
    func demoEntry() async throws {
        try await withServer(.sqlite, configure: { $0.demo = true }) { api in
            let base = "http://127.0.0.1:\(api.client.port!)"
            try await Self.withBrowser { browser in
                let page = try await browser.newPage(width: 390, height: 844)
                try await page.open(base + "/")
                try await page.waitFor("document.querySelector('.demo-role[data-role=member]')", "the demo entry")
                #expect(try await page.text().contains("may be reset"), "the entry says demo data may be reset")
                #expect(try await Self.accessibilityProblems(page) == [])
                try await Self.capture(page, "entry")

                // The public directory, from the entry's link, without signing in: listings, searchable, nobody to message.
                try await page.evaluate("[...document.querySelectorAll('a')].find(link => link.innerText.includes('public directory')).click()")
                try await page.waitFor("document.querySelectorAll('.cards .business').length >= 3", "the public directory's listings")
                #expect(try await page.text("h1").contains("directory"), "the chamber's name heads it")
                #expect(try await page.evaluate("document.querySelector('.message-owner')").isNull, "no conversation without signing in")
                try await page.type("bakery", into: "#directory-search")
                try await page.waitFor(
                    "document.querySelectorAll('.cards .business').length === 1 && document.querySelector('.cards').innerText.includes(\"Mia's Bakery\")",
                    "the public directory narrowed to the bakery")
                #expect(try await page.text(".cards").contains("Food Services and Drinking Places"), "the category by its name, not its code")
                #expect(try await Self.accessibilityProblems(page) == [])
                try await Self.capture(page, "public-directory")
                try await page.evaluate("location.hash = '#/'")
                try await page.waitFor("document.querySelector('.demo-role[data-role=member]')", "the demo entry again")

                try await page.click(".demo-role[data-role=member]")
                try await page.waitFor("document.querySelectorAll('.channel-list a.channel').length >= 3", "the member's conversations")
                #expect(try await page.text(".channel-list").contains("General"))
                try await Self.capture(page, "chat-list")
                try await page.evaluate(
                    "[...document.querySelectorAll('.channel-list a.channel')].find(link => link.innerText.includes('General')).click()")
                try await page.waitFor("document.querySelectorAll('.messages .message').length >= 5", "General's history")
                #expect(try await Self.accessibilityProblems(page) == [])
                try await Self.capture(page, "conversation")

                // A first load of the signed-in app, by the browser's own clock: navigation start to the conversations shown.
                var loads: [Double] = []
                for load in 1...3 {
                    // A query of its own, so each is a navigation (a change of the fragment alone is not).
                    try await page.open(base + "/?load=\(load)#/chat")
                    try await page.waitFor("performance.getEntriesByName('chamberconnect-ready').length", "the app ready after a reload")
                    loads.append(try await page.evaluate("performance.getEntriesByName('chamberconnect-ready')[0].startTime").double ?? .infinity)
                }
                let median = loads.sorted()[1]
                print("web app first load (ms, three loads): \(loads.map { Int($0) }), median \(Int(median))")
                #expect(median < 1000, "first load under a second: \(loads)")

                // The member's other pages.
                for (name, ready) in [
                    ("directory", ".cards .business"), ("events", ".cards .event, .cards .empty"), ("notifications", ".feed li"),
                    ("invoices", ".cards li"), ("preferences", "#digest"),
                ] {
                    try await Self.visit(page, name, ready)
                }
                // Searching the directory narrows it as one types.
                try await page.evaluate("location.hash = '#/directory'")
                try await page.type("bakery", into: "#directory-search")
                try await page.waitFor(
                    "document.querySelectorAll('.cards .business').length === 1 && document.querySelector('.cards').innerText.includes(\"Mia's Bakery\")",
                    "the directory narrowed to the bakery")
                #expect(
                    try await page.evaluate("document.querySelector('.message-owner')").isNull, "no conversation with oneself: Mia owns the bakery")
                #expect(try await page.text(".cards").contains("Food Services and Drinking Places"), "the category by its name")
                try await page.evaluate("document.querySelector('#directory-search').value = ''")
                try await page.type("prairie", into: "#directory-search")
                try await page.waitFor(
                    "document.querySelector('.cards').innerText.includes('Prairie Legal')", "the directory narrowed to Prairie Legal")
                try await page.click(".message-owner")
                try await page.waitFor(
                    "location.hash.startsWith('#/chat/') && document.querySelector('.conversation-title')?.innerText.length > 0 && document.querySelector('#composer')",
                    "a direct conversation with the owner, from the directory")

                // An admin: the staff pages too.
                try await page.click(".topbar button.link")
                try await page.click(".demo-role[data-role=admin]")
                try await page.waitFor("document.querySelector('.channel-list a.channel')", "the admin's conversations")
                for (name, ready) in [
                    ("review", ".review-items li"), ("figures", "[data-figure='Members online']"), ("applications", ".cards li"), ("audit", "table"),
                    ("members", ".member-row"),
                ] {
                    try await Self.visit(page, name, ready)
                }
                #expect(try await page.evaluate("document.querySelectorAll('.member-row').length").int ?? 0 >= 12, "the demo's members listed")
                try await Self.visit(page, "setup", "#setup-tiers li")
                // The chamber's colour and a tier, set from the page: the app wears the colour at once.
                try await page.evaluate("document.querySelector('#setup-color').value = '#7a1f5c'")
                try await page.click("#setup-identity button[type=submit]")
                try await page.waitFor(
                    "getComputedStyle(document.querySelector('.topbar')).backgroundColor === 'rgb(122, 31, 92)'", "the app in the chamber's colour")
                try await page.type("Corner Shop", into: "#tier-name")
                try await page.type("99.50", into: "#tier-dues")
                try await page.click("#setup-tiers button[type=submit]")
                try await page.waitFor("document.querySelector('#setup-tiers').innerText.includes('Corner Shop · $99.50')", "the new tier listed")
                let admin = try await api.logIn(email: DemoSeeder.email(for: "admin"), password: DemoSeeder.password)
                let stored = try await api.call(.get, "/v1/me", token: admin.accessToken).json["memberships"].array.first?["chamber"]["branding"]
                #expect(stored?["primary_color"].string == "#7A1F5C", "stored as the API spells it")
                #expect(page.problems == [], "the page logged no errors")
            }
        }
    }

    @Test("two members in two browsers: a direct conversation started from the member list, typing, the message live, and seen-by")
    func twoMembersChat() async throws {
        try await withServer(.sqlite) { api in
            let (chamber, ann, ben) = try await Self.twoMembers(api)
            let base = "http://127.0.0.1:\(api.client.port!)"
            try await Self.withBrowser { browser in
                let a = try await Self.signedIn(browser, base: base, ann, width: 1280)
                let b = try await Self.signedIn(browser, base: base, ben, width: 390)
                try await a.click(".new-direct")
                try await a.type("Ben", into: "#member-search")
                try await a.click(".member-results button")
                try await a.waitFor("location.hash.startsWith('#/chat/') && document.querySelector('#composer')", "the new conversation")
                // Ben's list learns of it (channel_changed) and he opens it.
                try await b.waitFor("document.querySelector('.channel-list a.channel')", "the conversation in Ben's list")
                try await b.click(".channel-list a.channel")
                try await b.waitFor("document.querySelector('#composer')", "Ben's conversation open")
                try await Task.sleep(for: .milliseconds(300))

                try await a.type("Hello Ben", into: "#composer")
                try await b.waitFor("document.querySelector('.typing').innerText.includes('Ann is typing')", "Ann typing, on Ben's page")
                try await a.click(".composer button[type=submit]")
                try await b.waitFor(
                    "[...document.querySelectorAll('.messages .body')].some(body => body.innerText === 'Hello Ben')", "the message on Ben's page")
                try await b.waitFor("document.querySelector('.typing').innerText === ''", "the typing line cleared by the message")
                // Ben has it open: his read position reaches Ann.
                try await a.waitFor("document.querySelector('.messages .seen')?.innerText.includes('Seen by Ben')", "seen by Ben on Ann's page")
                try await Self.capture(b, "direct-conversation")
                #expect(try await Self.shown(a).map(\.body) == ["Hello Ben"])
                #expect(try await Self.shown(b).map(\.body) == ["Hello Ben"])

                // A picture attached: uploaded as it is picked, sent with the words, drawn on Ben's page.
                let picture = FileManager.default.temporaryDirectory.appendingPathComponent("detour-\(UUID().uuidString.prefix(8)).png")
                try Data(base64Encoded: Self.smallPNG)!.write(to: picture)
                defer { try? FileManager.default.removeItem(at: picture) }
                try await a.pickFiles([picture.path], in: "#attach-files")
                try await a.waitFor(
                    "document.querySelector('.picked-files')?.innerText.includes('detour') && !document.querySelector('.picked-files').innerText.includes('uploading')",
                    "the picture uploaded")
                try await Self.say("The detour", on: a)
                try await b.waitFor(
                    "[...document.querySelectorAll('.messages .attachment-image')].some(image => image.complete && image.naturalWidth === 8 && image.alt.startsWith('detour'))",
                    "the picture drawn on Ben's page")
                try await Self.capture(b, "attachment")
                #expect(try await a.evaluate("document.querySelector('.picked-files').hidden").bool == true, "nothing left picked after the send")

                // A group, made from the page, and a mention picked from the list as one types.
                try await a.click(".new-group")
                try await a.type("Main Street merchants", into: "#group-name")
                try await a.evaluate(
                    "[...document.querySelectorAll('.group-members label')].find(label => label.innerText.includes('Ben')).querySelector('input').checked = true"
                )
                try await a.click("dialog button[value=create]")
                try await a.waitFor("document.querySelector('.conversation-title')?.innerText === 'Main Street merchants'", "the new group open")
                try await b.waitFor("document.querySelector('.channel-list').innerText.includes('Main Street merchants')", "the group in Ben's list")
                try await a.type("@Be", into: "#composer")
                try await a.click(".suggestions button")
                try await a.type("see you at six", into: "#composer")
                try await a.click(".composer button[type=submit]")
                try await a.waitFor("document.querySelector('.messages .mention')?.innerText === '@Ben'", "the mention shown by name")
                let group = try await a.evaluate("location.hash.split('/')[2]").string ?? ""
                let stored = try await api.call(.get, "/v1/chambers/\(chamber)/channels/\(group)/messages", token: ann.accessToken)
                #expect(stored.json["items"].array.first?["mentions"].array.compactMap(\.string) == [ben.userID], "sent as <@USER_ID>")
                #expect(a.problems == [] && b.problems == [], "\(a.problems) \(b.problems)")
            }
        }
    }

    @Test("the network of one is cut and restored: it shows exactly what it missed, and what it sent meanwhile arrives once")
    func networkCut() async throws {
        try await withServer(.sqlite) { api in
            let (chamber, ann, ben) = try await Self.twoMembers(api)
            let direct = try await api.call(.post, "/v1/chambers/\(chamber)/channels/direct", token: ann.accessToken, json: ["user_id": ben.userID])
            let channel = direct.json["id"].string ?? ""
            let proxy = try await CuttableProxy.start(to: api.client.port!)
            let base = "http://127.0.0.1:\(api.client.port!)"
            let viaProxy = "http://127.0.0.1:\(proxy.port)"
            try await Self.withBrowser { browser in
                let a = try await Self.signedIn(browser, base: base, ann, width: 1280)
                let b = try await Self.signedIn(browser, base: viaProxy, ben, width: 390)
                for page in [a, b] {
                    try await page.evaluate("location.hash = '#/chat/\(channel)'")
                    try await page.waitFor("document.querySelector('#composer')", "the conversation open")
                }
                try await Self.say("one", on: a)
                try await b.waitFor("document.querySelectorAll('.messages .message:not(.pending)').length === 1", "the first message on Ben's page")

                proxy.cut()
                try await b.waitFor("document.querySelector('.connection')?.innerText.includes('Offline')", "Ben's page saying it is offline")
                try await Self.capture(b, "offline")
                try await Self.say("from the tunnel", on: b)
                try await b.waitFor("document.querySelector('.status-sending')", "Ben's message waiting to be sent")
                for body in ["two", "three", "four"] { try await Self.say(body, on: a) }
                try await a.waitFor("document.querySelectorAll('.messages .message:not(.pending)').length === 4", "Ann's four messages stored")
                try await Task.sleep(for: .seconds(1))
                proxy.restore()

                let expected = ["one", "two", "three", "four", "from the tunnel"]
                try await b.waitFor(
                    "[...document.querySelectorAll('.messages .message')].map(row => row.querySelector('.body').innerText).join('|') === '\(expected.joined(separator: "|"))'",
                    "exactly what Ben missed, then his own message", timeout: .seconds(90))
                try await a.waitFor("document.querySelectorAll('.messages .message:not(.pending)').length === 5", "Ben's message on Ann's page")
                for page in [a, b] {
                    let shown = try await Self.shown(page)
                    #expect(shown.map(\.body) == expected, "no duplicate, no gap")
                    #expect(shown.map(\.seq) == shown.map(\.seq).sorted() && Set(shown.map(\.seq)).count == shown.count)
                }
                let stored = try await api.call(.get, "/v1/chambers/\(chamber)/channels/\(channel)/messages", token: ann.accessToken)
                #expect(stored.json["items"].array.compactMap { $0["body"].string }.filter { $0 == "from the tunnel" }.count == 1, "sent once")
                // The page's own problems while cut are the connection errors a cut causes; nothing else.
                #expect(a.problems == [], "\(a.problems)")
                #expect(b.problems.allSatisfy { $0.contains("ERR_") || $0.contains("WebSocket") }, "\(b.problems)")
            }
            await proxy.stop()
        }
    }

    @Test(
        "a moderator holds, approves and rejects from the review page, the member sees each outcome; a ban closes the member's page with a clear message"
    )
    func moderation() async throws {
        try await withServer(.sqlite) { api in
            let (chamber, ann, ben) = try await Self.twoMembers(api)
            let admin = try await api.signUp("mod")
            try await api.addMember(admin, to: chamber, role: "moderator", by: ann)
            let group = try await api.call(
                .post, "/v1/chambers/\(chamber)/channels", token: ann.accessToken,
                json: ["kind": "group", "name": "Main Street", "members": [ben.userID, admin.userID]])
            let channel = group.json["id"].string ?? ""
            let base = "http://127.0.0.1:\(api.client.port!)"
            try await Self.withBrowser { browser in
                let member = try await Self.signedIn(browser, base: base, ben, width: 390)
                let moderator = try await Self.signedIn(browser, base: base, admin, width: 1280)
                try await moderator.evaluate("location.hash = '#/review'")
                try await moderator.waitFor("document.querySelector('.review-items')", "the review queue")
                try await member.evaluate("location.hash = '#/chat/\(channel)'")
                try await member.waitFor("document.querySelector('#composer')", "the group open")

                try await Self.say("is this a scam?", on: member)
                try await member.waitFor(
                    "document.querySelector('.status-held')?.innerText.includes('review')", "the member told it waits for review")
                try await Self.capture(member, "held")
                try await moderator.waitFor(
                    "document.querySelector('.review-item')?.innerText.includes('is this a scam?')", "the held message on the review page")
                try await Self.capture(moderator, "review-item")
                try await moderator.click(".review-item button.primary")
                try await member.waitFor(
                    "!document.querySelector('.pending') && [...document.querySelectorAll('.messages .body')].some(body => body.innerText === 'is this a scam?')",
                    "the approved message published on the member's page")

                try await Self.say("a second scam", on: member)
                try await moderator.waitFor("document.querySelector('.review-item')?.innerText.includes('a second scam')", "the second held message")
                try await moderator.click(".review-item button.danger")
                try await member.waitFor("document.querySelector('.status-rejected')", "the member told it was not published")
                #expect(try await Self.shown(member).map(\.body) == ["is this a scam?"])

                // Kicked from the group by the moderator, from the message's own actions.
                try await moderator.evaluate("location.hash = '#/chat/\(channel)'")
                try await moderator.waitFor(
                    "[...document.querySelectorAll('.messages .message')].some(row => row.innerText.includes('is this a scam?'))",
                    "the group on the moderator's page")
                try await moderator.evaluate(
                    "[...document.querySelectorAll('.messages .message .actions button')].find(button => button.innerText === 'Kick').click()")
                try await moderator.click("dialog button[type=submit]")
                try await moderator.waitFor("document.querySelector('.conversation-notice')?.innerText.includes('kicked')", "the kick confirmed")
                let sanctions = try await api.call(.get, "/v1/chambers/\(chamber)/moderation/sanctions", token: admin.accessToken)
                let kick = sanctions.json["items"].array.first { $0["kind"].string == "kick" }
                #expect(kick?["user_id"].string == ben.userID && kick?["channel_id"].string == channel, "\(sanctions.json)")

                let ban = try await api.call(
                    .post, "/v1/chambers/\(chamber)/moderation/actions", token: admin.accessToken,
                    json: ["action": "ban", "user_id": ben.userID, "reason": "spam"])
                #expect(ban.status == .ok, "\(ban.json)")
                try await member.waitFor("document.querySelector('.ended-reason')?.innerText.includes('banned')", "the ban told on the member's page")
                #expect(try await member.text(".ended-reason").contains("spam"), "with the moderator's reason")
                try await Self.capture(member, "banned")
                #expect(moderator.problems == [], "\(moderator.problems)")
            }
        }
    }

    /// Opens one of the app's pages by its address, waits for `ready`, checks it and saves it at both widths.
    static func visit(_ page: BrowserPage, _ name: String, _ ready: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await page.resize(width: 1280, height: 900)
        try await page.evaluate("location.hash = '#/\(name)'")
        try await page.waitFor("document.querySelector(\(BrowserPage.literal(ready)))", "the \(name) page", sourceLocation: sourceLocation)
        #expect(try await accessibilityProblems(page) == [], "\(name)", sourceLocation: sourceLocation)
        try await capture(page, name)
    }

    @Test("a channel's stream in the page follows §6.2: the next event applies, repeats are ignored, a gap is named, early events wait")
    func streamRules() async throws {
        try await withServer(.sqlite) { api in
            try await Self.withBrowser { browser in
                let page = try await browser.newPage()
                try await page.open("http://127.0.0.1:\(api.client.port!)/")
                // Each case: events applied in order after `subscribed` at `start` (null: not yet), the outcomes, the
                // seq stored after, and the message bodies cached, in order.
                let outcome = try await page.evaluate(
                    """
                    (async () => {
                      const { ChannelState } = await import('/app/channel-state.js');
                      const message = (seq, id, body) => ({ type: 'message', seq, message: { id, seq, body, reactions: {} } });
                      const edit = (seq, id, body, original) => ({ type: 'message_edited', seq, message: { id, seq: original, body, reactions: {} } });
                      const react = (seq, id, emoji, added) => ({ type: 'reaction', seq, message_id: id, user_id: 'u1', emoji, added });
                      const cases = [
                        { name: 'in order', start: 4, events: [message(5, 'a', 'one'), message(6, 'b', 'two')], outcomes: ['applied', 'applied'], seq: 6, bodies: ['one', 'two'] },
                        { name: 'a repeat after resubscribing', start: 4, events: [message(5, 'a', 'one'), message(5, 'a', 'one')], outcomes: ['applied', 'duplicate'], seq: 5, bodies: ['one'] },
                        { name: 'a gap', start: 4, events: [message(6, 'b', 'two')], outcomes: ['gap'], seq: 4, bodies: [] },
                        { name: 'an edit of a message not loaded', start: 4, events: [edit(5, 'old', 'changed', 2)], outcomes: ['applied'], seq: 5, bodies: [] },
                        { name: 'reactions added and removed', start: 4, events: [message(5, 'a', 'one'), react(6, 'a', '👍', true), react(7, 'a', '👍', false)], outcomes: ['applied', 'applied', 'applied'], seq: 7, bodies: ['one'] },
                        { name: 'events before subscribed', start: null, events: [message(8, 'c', 'late'), message(7, 'b', 'early')], outcomes: ['early', 'early'], seq: null, bodies: [] },
                      ];
                      const failures = [];
                      for (const test of cases) {
                        const state = new ChannelState('c');
                        if (test.start !== null) state.subscribed(test.start);
                        const outcomes = test.events.map((event) => state.apply(event));
                        const got = { outcomes, seq: state.seq, bodies: state.ordered().map((m) => m.body) };
                        const want = { outcomes: test.outcomes, seq: test.seq, bodies: test.bodies };
                        if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`${test.name}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
                      }
                      // Early events apply once `subscribed` says where the stream starts; older ones are dropped.
                      const early = new ChannelState('c');
                      early.apply(message(7, 'b', 'early'));
                      early.apply(message(6, 'x', 'before the start'));
                      early.subscribed(6);
                      if (early.seq !== 7 || early.ordered().map((m) => m.body).join() !== 'early') failures.push('early events: ' + JSON.stringify([early.seq, early.ordered()]));
                      // A history page asked for before a stream edit keeps the stream's state; recovery drops the cache.
                      const merged = new ChannelState('c');
                      merged.subscribed(10);
                      merged.merge([{ id: 'a', seq: 3, body: 'first', reactions: {} }], merged.mark());
                      const mark = merged.mark();
                      merged.apply(edit(11, 'a', 'edited live', 3));
                      merged.merge([{ id: 'a', seq: 3, body: 'first', reactions: {} }, { id: 'b', seq: 4, body: 'second', reactions: {} }], mark);
                      if (merged.ordered().map((m) => m.body).join() !== 'edited live,second') failures.push('merge: ' + JSON.stringify(merged.ordered()));
                      merged.skipTo(600);
                      if (merged.seq !== 600 || merged.messages.size !== 0 || merged.loaded) failures.push('skipTo keeps a stale cache');
                      return failures;
                    })()
                    """)
                #expect(outcome.array.compactMap(\.string) == [])
                #expect(page.problems == [])
            }
        }
    }

    @Test(
        "a member registers from the events page and enters the live room; the organisers' post is pinned there, and staff see the door's figures move live"
    )
    func eventRoom() async throws {
        try await withServer(.sqlite) { api in
            let chamber = try await EventTests.chamber(api, members: 1)
            let (event, _) = try await EventTests.event(api, chamber, capacity: 40, tickets: [["name": "Attendee"]])
            let room = try await api.call(.get, "\(chamber.path)/events/\(event)", token: chamber.staff.accessToken).json["room_id"].string ?? ""
            let base = "http://127.0.0.1:\(api.client.port!)"
            try await Self.withBrowser { browser in
                let member = try await Self.signedIn(browser, base: base, chamber.members[0], width: 390)
                let staff = try await Self.signedIn(browser, base: base, chamber.staff, width: 1280)
                try await member.evaluate("location.hash = '#/events'")
                try await member.click(".event[data-event='\(event)'] button.primary")
                try await member.waitFor(
                    "document.querySelector('.registered')?.innerText.includes('You are registered')", "the registration confirmed")
                try await Self.capture(member, "events-registered")
                try await member.click(".event a.button")
                try await member.waitFor("location.hash === '#/chat/\(room)' && document.querySelector('#composer')", "the live room open")

                try await staff.evaluate("location.hash = '#/chat/\(room)'")
                try await staff.waitFor(
                    "document.querySelector('.attendance')?.innerText.includes('1 of 40 seats taken')", "the door's figures on the organiser's page")
                try await Self.say("Doors open at seven", on: staff)
                try await member.waitFor(
                    "document.querySelector('.pins')?.innerText.includes('Doors open at seven')", "the organisers' post pinned on the member's page")
                try await Self.capture(member, "event-room")

                let code =
                    try await api.call(.get, "\(chamber.path)/events/\(event)/registrations/mine", token: chamber.members[0].accessToken)
                    .json["check_in_code"].string ?? ""
                let checkIn = try await api.call(
                    .post, "\(chamber.path)/events/\(event)/check-ins", token: chamber.staff.accessToken, json: ["code": code])
                #expect(checkIn.status == .ok || checkIn.status == .created, "\(checkIn.json)")
                try await staff.waitFor("document.querySelector('.attendance')?.innerText.includes('1 checked in')", "the check-in, live")
                try await Self.capture(staff, "event-room-staff")
                #expect(member.problems == [] && staff.problems == [], "\(member.problems) \(staff.problems)")
            }
        }
    }

    @Test(
        "a business's holder invites a member and someone new from the business's page and revokes one; the member accepts by the mail's link, and leaves the business there"
    )
    func businessSeats() async throws {
        try await withServer(.sqlite) { api in
            let (admin, staff, apu, otto) = (
                try await api.signUp("admin"), try await api.signUp("stella"), try await api.signUp("apu"), try await api.signUp("otto")
            )
            let chamber = try await MembershipApplicationTests.chamber(api, admin: admin, staff: staff)
            try await api.addMember(otto, to: chamber.id, role: "member", by: admin)
            try await MembershipStandingTests.approved(api, apu, chamber: chamber.id, tier: chamber.tier, staff: staff)
            let standing = try await api.call(.get, "/v1/chambers/\(chamber.id)/members/\(apu.userID)/standing", token: apu.accessToken)
            let people = "/v1/chambers/\(chamber.id)/businesses/\(standing.json["standing"]["business_id"].string ?? "")/people"
            try await Self.withBrowser { browser in
                let base = "http://127.0.0.1:\(api.client.port!)"
                let page = try await Self.signedIn(browser, base: base, apu, width: 390)
                #expect(
                    try await page.evaluate("!!document.querySelector('nav a[href=\"#/business\"]')").bool == true, "the holder's page in the menu")
                try await Self.visit(page, "business", ".seats")
                try await page.waitFor("document.querySelector('.seats')?.innerText.includes('1 of 3 seats taken')", "the seats")
                #expect(
                    try await page.evaluate("!!document.querySelector('#seat-member')").bool == false, "only chamber staff seat a member directly")
                for (email, taken) in [(otto.email, 2), ("bart@example.com", 3)] {
                    try await page.evaluate("document.querySelector('#seat-email').value = ''")
                    try await page.type(email, into: "#seat-email")
                    try await page.click("#seat-email ~ button[type=submit]")
                    try await page.waitFor(
                        "document.querySelector('.seats')?.innerText.includes('\(taken) of 3 seats taken')", "the invitation to \(email) keeps a seat"
                    )
                }
                #expect(try await page.evaluate("document.querySelector('#seat-email ~ button').disabled").bool == true, "no seat left to offer")
                try await Self.capture(page, "business-holder")
                try await page.evaluate(
                    "[...document.querySelectorAll('.invitation-row button')].find(b => b.innerText.includes('bart@example.com')).click()")
                try await page.waitFor(
                    "document.querySelector('.seats')?.innerText.includes('2 of 3 seats taken')", "the revoked invitation's seat free")
                #expect(try await Self.accessibilityProblems(page) == [])
                #expect(page.problems == [], "\(page.problems)")

                // Otto follows the mail's link, signed in: the seat is his, and so is the business's page.
                let mail = try await api.store.mailOutbox.deliveries(to: otto.email, limit: 10).map(\.mail).first { $0.body.contains("seat") }
                let token = try #require(mail?.body.split(separator: "\n").first { $0.hasPrefix("Invitation token: ") }?.dropFirst(18))
                let staffPage = try await Self.signedIn(browser, base: base, otto, width: 390)
                try await staffPage.evaluate("location.hash = '#/invitation/\(token)'")
                try await staffPage.waitFor("!!document.querySelector('nav a[href=\"#/business\"]')", "the business in otto's menu")
                #expect(try await staffPage.evaluate("location.hash").string == "#/chat", "the token is gone from the address")
                try await Self.visit(staffPage, "business", ".member-row")
                #expect(try await staffPage.evaluate("!!document.querySelector('#seat-email')").bool == false, "staff of the business offer no seats")
                try await staffPage.waitFor(
                    "[...document.querySelectorAll('.member-row button')].some(b => b.innerText === 'Leave the business')", "leaving")
                try await staffPage.evaluate(
                    "[...document.querySelectorAll('.member-row button')].find(b => b.innerText === 'Leave the business').click()")
                try await staffPage.waitFor("document.querySelector('dialog[open]')", "asked first")
                try await staffPage.click("dialog button.primary")
                try await staffPage.waitFor("location.hash === '#/chat'", "back to the conversations")
                #expect(staffPage.problems == [], "\(staffPage.problems)")
            }
            let after = try await api.call(.get, people, token: apu.accessToken)
            #expect(after.json["people"].array.map { $0["user_id"].string } == [apu.userID], "otto took the seat, then left: \(after.json)")
            #expect(after.json["invitations_pending"].int == 0)
            let log = try await api.call(.get, "/v1/chambers/\(chamber.id)/audit-log?action=invitation.accepted", token: admin.accessToken)
            #expect(log.json["items"].array.contains { $0["detail"].string?.hasPrefix("a seat of business:") == true }, "\(log.json)")
        }
    }

    @Test("staff decide a membership application from its page: the business, its checks and score, and approval")
    func applications() async throws {
        try await withServer(.sqlite) { api in
            let (admin, staff, apu) = (try await api.signUp("admin"), try await api.signUp("stella"), try await api.signUp("apu"))
            let chamber = try await MembershipApplicationTests.chamber(api, admin: admin, staff: staff)
            let started = try await api.call(.post, "/v1/applications", token: apu.accessToken, json: ["chamber_id": chamber.id])
            let id = started.json["application"]["id"].string ?? ""
            try await MembershipApplicationTests.fill(api, apu, id, MembershipApplicationTests.steps(tier: chamber.tier))
            let submitted = try await api.call(.post, "/v1/applications/\(id)/submit", token: apu.accessToken)
            #expect(submitted.json["status"].string == "submitted", "\(submitted.json)")
            try await Self.withBrowser { browser in
                let page = try await Self.signedIn(browser, base: "http://127.0.0.1:\(api.client.port!)", staff, width: 390)
                try await page.evaluate("location.hash = '#/applications'")
                try await page.waitFor(
                    "document.querySelector('.application')?.innerText.includes('Kwik-E-Mart LLC')", "the application in the queue")
                #expect(try await page.text(".application").contains("score"), "its score shown")
                #expect(try await page.text(".application").contains("E-mail matches the website"), "its checks shown")
                try await Self.capture(page, "application")
                try await page.click(".application button.primary")
                try await page.waitFor("document.querySelector('#main [role=status]')?.innerText.includes('Approved')", "the approval told")
                #expect(page.problems == [], "\(page.problems)")
            }
            let decided = try await api.call(.get, "/v1/chambers/\(chamber.id)/applications/\(id)", token: staff.accessToken)
            #expect(decided.json["status"].string == "approved")
            let me = try await api.call(.get, "/v1/me", token: apu.accessToken)
            #expect(me.json["memberships"].array.contains { $0["chamber"]["id"].string == chamber.id }, "the applicant is a member")
        }
    }

    @Test(
        "a newcomer applies from the demo's entry: an account with the draft, the five steps one by one, a reload resumes, and the application reaches staff"
    )
    func apply() async throws {
        try await withServer(.sqlite, configure: { $0.demo = true }) { api in
            let base = "http://127.0.0.1:\(api.client.port!)"
            let email = "\(unique("newcomer"))@example.com"
            try await Self.withBrowser { browser in
                let page = try await browser.newPage(width: 390)
                try await page.open(base + "/")
                try await page.click("a[href='#/apply/demo']")
                try await page.waitFor("document.querySelector('#apply-email')", "the account step")
                try await page.type("Nora Newcomer", into: "#apply-name")
                try await page.type(email, into: "#apply-email")
                try await page.type("a long enough secret", into: "#apply-password")
                try await page.click(".apply button[type=submit]")
                for (step, fields) in [
                    ("legal_name", [("#legal_name", "Newcomer Books LLC"), ("#year_founded", "2019")]),
                    ("ein", [("#ein", "12-3456789")]),
                    ("line1", [("#email", "nora@newcomerbooks.example"), ("#line1", "5 Elm St"), ("#city", "Springfield")]),
                    ("website", [("#website", "https://newcomerbooks.example"), ("#social-instagram", "https://instagram.com/newcomerbooks")]),
                ] {
                    try await page.waitFor("document.querySelector('#\(step)')", "the step with \(step)")
                    if step == "website" {
                        // Left half-way: a reload finds the application where it was.
                        try await page.open(base + "/?again#/apply/demo")
                        try await page.waitFor("document.querySelector('#website')", "the application resumed at its next step")
                    }
                    for (selector, text) in fields { try await page.type(text, into: selector) }
                    try await page.click(".apply button[type=submit]")
                }
                try await page.waitFor("document.querySelector('#agreement')", "the membership step")
                try await page.evaluate("document.querySelector('#agreement').checked = true")
                try await page.click(".apply button[type=submit]")
                try await page.waitFor("document.querySelector('.apply h2')?.innerText === 'Ready to send'", "every step saved")
                // The business license, picked as a file (a PDF by its bytes), attached, listed.
                try await page.evaluate(
                    """
                    const picked = new DataTransfer();
                    picked.items.add(new File(['%PDF-1.4\\n1 0 obj <<>> endobj\\ntrailer <<>>\\n%%EOF\\n'], 'license.pdf', { type: 'application/pdf' }));
                    document.querySelector('#apply-document').files = picked.files;
                    """)
                try await page.click(".attach-document")
                try await page.waitFor(
                    "document.querySelector('.attached')?.innerText.includes('Business license: license.pdf')", "the license attached")
                #expect(try await Self.accessibilityProblems(page) == [])
                try await Self.capture(page, "apply-documents")
                try await page.click(".apply button[type=submit]")
                try await page.waitFor("document.querySelector('.application-status')?.innerText.includes('staff')", "the application sent")
                try await Self.capture(page, "apply-sent")
                #expect(page.problems == [], "\(page.problems)")
            }
            let staff = try await api.logIn(email: DemoSeeder.email(for: "staff"), password: DemoSeeder.password)
            let me = try await api.call(.get, "/v1/me", token: staff.accessToken)
            let chamber = me.json["memberships"].array.first?["chamber"]["id"].string ?? ""
            let queue = try await api.call(.get, "/v1/chambers/\(chamber)/applications?status=submitted", token: staff.accessToken)
            let sent = queue.json["items"].array.first { $0["steps"]["business"]["legal_name"].string == "Newcomer Books LLC" }
            #expect(sent != nil, "in staff's queue")
            #expect(sent?["steps"]["online"]["social_links"]["instagram"].string == "https://instagram.com/newcomerbooks")
            #expect(sent?["documents"][0]["kind"].string == "business_license" && sent?["documents"][0]["content_type"].string == "application/pdf")
            #expect(
                sent?["checks"].array.first { $0["name"].string == "documents_present" }?["result"].string == "passed", "\(String(describing: sent))")

            // Staff see the document in their queue and open it by its signed link.
            try await Self.withBrowser { browser in
                let page = try await Self.signedIn(browser, base: base, staff, width: 1280)
                try await page.evaluate("location.hash = '#/applications'")
                try await page.waitFor(
                    "[...document.querySelectorAll('.application')].some(card => card.innerText.includes('license.pdf'))", "the license in the queue")
                let opened = try await page.evaluate(
                    """
                    new Promise((resolve) => {
                      window.open = () => { const tab = { close() {} }; Object.defineProperty(tab, 'location', { set: resolve }); return tab; };
                      [...document.querySelectorAll('.open-document')].find(button => button.innerText === 'license.pdf').click();
                    })
                    """)
                let url = opened.string ?? ""
                #expect(url.hasPrefix("/v1/files/") && url.contains("signature="), "a signed link: \(opened)")
                let fetched = try await api.call(.get, url)
                #expect(fetched.status == .ok && String(decoding: fetched.body.prefix(5), as: UTF8.self) == "%PDF-", "the license's bytes")
            }
        }
    }

    @Test("the applicant's page follows the application live: staff's approval shows without a reload")
    func applicationLive() async throws {
        try await withServer(.sqlite, configure: { $0.demo = true }) { api in
            let base = "http://127.0.0.1:\(api.client.port!)"
            let nora = try await api.signUp("nora")
            let offer = try await api.call(.get, "/v1/public/chambers/demo/membership")
            let (chamber, tier) = (offer.json["chamber"]["id"].string ?? "", offer.json["tiers"][0]["id"].string ?? "")
            let id =
                try await api.call(.post, "/v1/applications", token: nora.accessToken, json: ["chamber_id": chamber]).json["application"]["id"]
                .string ?? ""
            try await MembershipApplicationTests.fill(
                api, nora, id,
                MembershipApplicationTests.steps(tier: tier, ein: "36-1234567", name: "Live Books LLC", email: "nora@livebooks.example"))
            #expect(try await api.call(.post, "/v1/applications/\(id)/submit", token: nora.accessToken).json["status"].string == "submitted")
            try await Self.withBrowser { browser in
                let page = try await browser.newPage(width: 390)
                try await page.open(base + "/")
                // Nora's session, as the sign-in form keeps it, then her application's page.
                let grant = ["access_token": nora.accessToken, "refresh_token": nora.refreshToken, "token_type": "Bearer"]
                let stored = String(decoding: try JSONSerialization.data(withJSONObject: grant), as: UTF8.self)
                try await page.evaluate("localStorage.setItem('chamberconnect.session', JSON.stringify(\(stored)))")
                try await page.open(base + "/?nora#/apply/demo")
                try await page.waitFor("document.querySelector('.application-status')?.innerText.includes('staff')", "the application with staff")

                let staff = try await api.logIn(email: DemoSeeder.email(for: "staff"), password: DemoSeeder.password)
                let decided = try await api.call(
                    .post, "/v1/chambers/\(chamber)/applications/\(id)/decision", token: staff.accessToken, json: ["decision": "approve"])
                #expect(decided.status == .ok, "\(decided.json)")
                try await page.waitFor(
                    "document.querySelector('.application-status')?.innerText.includes('Welcome')", "the approval, live, without a reload")
                #expect(page.problems == [], "\(page.problems)")
            }
        }
    }

    @Test("on a node that sends Web Push, the settings page registers the service worker and offers push in this browser")
    func webPush() async throws {
        try await WebAppTests.withWebPushServer { api, _ in
            let (_, ann, _) = try await Self.twoMembers(api)
            try await Self.withBrowser { browser in
                let page = try await Self.signedIn(browser, base: "http://127.0.0.1:\(api.client.port!)", ann, width: 390)
                try await page.evaluate("location.hash = '#/preferences'")
                try await page.waitFor("document.querySelector('#push-title + p')?.innerText.includes('Off in this browser')", "push offered")
                #expect(try await page.evaluate("navigator.serviceWorker.getRegistration('/app/').then((found) => Boolean(found))").bool == true)
                #expect(try await page.evaluate("document.querySelector('.card button.primary')?.innerText").string == "Turn on")
                #expect(page.problems == [], "\(page.problems)")
            }
        }
    }

    /// An 8 × 8 red PNG.
    static let smallPNG = "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGM4ISeHFTEMLQkAkL9BAbKfPiIAAAAASUVORK5CYII="

    /// Types a message into the open conversation and sends it.
    static func say(_ body: String, on page: BrowserPage) async throws {
        try await page.type(body, into: "#composer")
        try await page.click(".composer button[type=submit]")
    }

    /// A chamber with Ann (its founder, an admin) and Ben (a member).
    static func twoMembers(_ api: TestAPI) async throws -> (String, Account, Account) {
        let ann = try await api.signUp("ann")
        let chamber = try await api.createChamber(ann)
        let ben = try await api.signUp("ben")
        try await api.addMember(ben, to: chamber, role: "member", by: ann)
        return (chamber, ann, ben)
    }
}
