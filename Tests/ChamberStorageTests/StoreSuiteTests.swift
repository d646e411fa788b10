import ChamberDomain
import ChamberTestSupport
import Foundation
import Logging
import Testing

@testable import ChamberStorage

/// One storage suite, run unchanged against SQLite and a real PostgreSQL.
@Suite("Store contract")
struct StoreSuiteTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func user(_ name: String, in store: SQLStore) async throws -> User {
        let user = User(id: .generate(), email: "\(unique(name))@example.com", displayName: name, isPlatformAdmin: false, createdAt: now)
        try await store.users.insert(user, passwordHash: "hash-\(name)")
        return user
    }

    static func chamber(_ founder: User, in store: SQLStore) async throws -> Chamber {
        let chamber = Chamber(id: .generate(), name: "Chamber \(founder.displayName)", slug: unique("c"), createdAt: now)
        try await store.chambers.create(chamber, founder: Membership(chamberID: chamber.id, userID: founder.id, role: .admin, joinedAt: now))
        return chamber
    }

    /// Ada founds chamber A, Bob chamber B.
    static func twoChambers(in store: SQLStore) async throws -> (ada: User, bob: User, a: Chamber, b: Chamber) {
        let ada = try await user("ada", in: store)
        let bob = try await user("bob", in: store)
        return (ada, bob, try await chamber(ada, in: store), try await chamber(bob, in: store))
    }

    @Test("migrations apply once and are recorded", arguments: TestBackend.enabled)
    func migrations(_ backend: TestBackend) async throws {
        try await backend.withDatabase { (db) async throws -> Void in
            let migrator = Migrator(database: db, logger: .init(label: "test"))
            #expect(try await migrator.migrate().isEmpty, "a second run applies nothing")
            #expect(try await migrator.appliedVersions().last == Migrator.latestVersion)
        }
    }

    @Test("users: insert, find, unique email, password hash", arguments: TestBackend.enabled)
    func users(_ backend: TestBackend) async throws {
        try await backend.withDatabase { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let ada = try await Self.user("ada", in: store)
            #expect(try await store.users.find(id: ada.id) == ada)
            #expect(try await store.users.find(email: ada.email) == ada)
            #expect(try await store.users.credentials(email: ada.email)?.passwordHash == "hash-ada")
            let twin = User(id: .generate(), email: ada.email, displayName: "twin", isPlatformAdmin: false, createdAt: Self.now)
            await #expect(throws: ChamberError(.emailTaken, "an account with this email exists already", field: "email")) {
                try await store.users.insert(twin, passwordHash: "x")
            }
            try await store.users.updatePasswordHash(id: ada.id, hash: "new")
            #expect(try await store.users.passwordHash(id: ada.id) == "new")
            try await store.users.setPlatformAdmin(id: ada.id, true)
            #expect(try await store.users.find(id: ada.id)?.isPlatformAdmin == true)
        }
    }

    @Test("sessions: refresh tokens rotate once; a replay revokes the session", arguments: TestBackend.enabled)
    func refreshRotation(_ backend: TestBackend) async throws {
        try await backend.withDatabase { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let ada = try await Self.user("ada", in: store)
            let session = AuthSession(
                id: .generate(), userID: ada.id, createdAt: Self.now, lastUsedAt: Self.now,
                expiresAt: Self.now.addingTimeInterval(3600), userAgent: "test", ipAddress: "127.0.0.1")
            try await store.sessions.create(session, refreshTokenHash: "h1")
            let later = Self.now.addingTimeInterval(60)
            guard
                case .rotated(let rotated) = try await store.sessions.rotate(
                    presentedHash: "h1", replacementHash: "h2", now: later, newExpiry: later.addingTimeInterval(3600))
            else {
                Issue.record("first use should rotate")
                return
            }
            #expect(rotated.expiresAt == later.addingTimeInterval(3600))
            #expect(try await store.sessions.rotate(presentedHash: "nope", replacementHash: "h9", now: later, newExpiry: later) == .invalid)
            // Replaying the spent token revokes the session, and the fresh token dies with it.
            #expect(try await store.sessions.rotate(presentedHash: "h1", replacementHash: "h3", now: later, newExpiry: later) == .reused(session.id))
            #expect(try await store.sessions.find(id: session.id)?.revokedAt != nil)
            #expect(try await store.sessions.rotate(presentedHash: "h2", replacementHash: "h4", now: later, newExpiry: later) == .invalid)
        }
    }

    @Test("sessions: list active, revoke one, revoke all but current", arguments: TestBackend.enabled)
    func sessionRevocation(_ backend: TestBackend) async throws {
        try await backend.withDatabase { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let ada = try await Self.user("ada", in: store)
            let bob = try await Self.user("bob", in: store)
            var ids: [SessionID] = []
            for index in 0..<3 {
                let session = AuthSession(
                    id: .generate(), userID: ada.id, createdAt: Self.now.addingTimeInterval(Double(index)), lastUsedAt: Self.now,
                    expiresAt: Self.now.addingTimeInterval(3600), userAgent: nil, ipAddress: nil)
                try await store.sessions.create(session, refreshTokenHash: unique("h"))
                ids.append(session.id)
            }
            #expect(try await store.sessions.listActive(userID: ada.id, now: Self.now).map(\.id) == ids.reversed())
            #expect(try await store.sessions.revoke(id: ids[0], userID: bob.id, at: Self.now) == false, "another user cannot revoke it")
            #expect(try await store.sessions.revoke(id: ids[0], userID: ada.id, at: Self.now) == true)
            #expect(try await store.sessions.revoke(id: ids[0], userID: ada.id, at: Self.now) == false, "already revoked")
            try await store.sessions.revokeAll(userID: ada.id, except: ids[2], at: Self.now)
            #expect(try await store.sessions.listActive(userID: ada.id, now: Self.now).map(\.id) == [ids[2]])
        }
    }

    @Test("sessions: found with their user in one read; a revoked one still reads, for the caller to refuse", arguments: TestBackend.enabled)
    func sessionWithUser(_ backend: TestBackend) async throws {
        try await backend.withDatabase { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let bob = try await Self.user("bob", in: store)
            let ada = try await Self.user("ada", in: store)
            var sessions: [AuthSession] = []
            for user in [bob, ada] {
                let session = AuthSession(
                    id: .generate(), userID: user.id, createdAt: Self.now, lastUsedAt: Self.now,
                    expiresAt: Self.now.addingTimeInterval(3600), userAgent: "test", ipAddress: "127.0.0.1")
                try await store.sessions.create(session, refreshTokenHash: unique("h"))
                sessions.append(session)
            }
            let session = sessions[1]
            for (session, user) in zip(sessions, [bob, ada]) {
                let found = try #require(try await store.sessions.findWithUser(id: session.id))
                #expect(found.session == session)
                #expect(found.user == user, "each session with its own user")
            }
            #expect(try await store.sessions.findWithUser(id: .generate()) == nil)
            #expect(try await store.sessions.revoke(id: session.id, userID: ada.id, at: Self.now))
            let revoked = try await store.sessions.findWithUser(id: session.id)
            #expect(revoked?.session.revokedAt == Self.now)
            #expect(revoked?.session.isActive(at: Self.now) == false)
        }
    }

    @Test("password reset tokens work once and expire", arguments: TestBackend.enabled)
    func passwordResets(_ backend: TestBackend) async throws {
        try await backend.withDatabase { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let ada = try await Self.user("ada", in: store)
            try await store.passwordResets.create(tokenHash: "r1", userID: ada.id, expiresAt: Self.now.addingTimeInterval(60))
            try await store.passwordResets.create(tokenHash: "r2", userID: ada.id, expiresAt: Self.now.addingTimeInterval(60))
            #expect(try await store.passwordResets.consume(tokenHash: "r1", now: Self.now) == ada.id)
            #expect(try await store.passwordResets.consume(tokenHash: "r1", now: Self.now) == nil)
            #expect(try await store.passwordResets.consume(tokenHash: "r2", now: Self.now.addingTimeInterval(61)) == nil)
        }
    }

    @Test("chambers: create with founder, unique slug, memberships of a user", arguments: TestBackend.enabled)
    func chambers(_ backend: TestBackend) async throws {
        try await backend.withDatabase { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let ada = try await Self.user("ada", in: store)
            let chamber = try await Self.chamber(ada, in: store)
            #expect(try await store.chambers.find(id: chamber.id) == chamber)
            #expect(try await store.chambers.find(slug: chamber.slug) == chamber)
            let clash = Chamber(id: .generate(), name: "Clash", slug: chamber.slug, createdAt: Self.now)
            await #expect(throws: ChamberError.self) {
                try await store.chambers.create(clash, founder: Membership(chamberID: clash.id, userID: ada.id, role: .admin, joinedAt: Self.now))
            }
            #expect(try await store.chambers.find(id: clash.id) == nil, "a failed create leaves nothing behind")
            let mine = try await store.chambers.memberships(of: ada.id)
            #expect(mine.map(\.chamber.id) == [chamber.id] && mine.first?.role == .admin)
            var renamed = chamber
            renamed.name = "Renamed"
            renamed.settings.timezone = "Europe/Paris"
            renamed.branding.primaryColor = "#112233"
            try await store.chambers.update(renamed)
            #expect(try await store.chambers.find(id: chamber.id) == renamed)
        }
    }

    @Test("members: last admin is protected; roles change; duplicates refused", arguments: TestBackend.enabled)
    func members(_ backend: TestBackend) async throws {
        try await backend.withDatabase { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let ada = try await Self.user("ada", in: store)
            let bob = try await Self.user("bob", in: store)
            let chamber = try await Self.chamber(ada, in: store)
            let members = store.scoped(to: chamber.id).members
            try await members.insert(Membership(chamberID: chamber.id, userID: bob.id, role: .member, joinedAt: Self.now))
            await #expect(throws: ChamberError.self) {
                try await members.insert(Membership(chamberID: chamber.id, userID: bob.id, role: .member, joinedAt: Self.now))
            }
            #expect(try await members.count() == 2)
            do {
                try await members.changeRole(userID: ada.id, to: .member)
                Issue.record("demoted the last admin")
            } catch let error as ChamberError { #expect(error.code == .lastAdmin) }
            do {
                _ = try await members.remove(userID: ada.id)
                Issue.record("removed the last admin")
            } catch let error as ChamberError { #expect(error.code == .lastAdmin) }
            try await members.changeRole(userID: bob.id, to: .admin)
            try await members.changeRole(userID: ada.id, to: .board)
            #expect(try await members.find(userID: ada.id)?.membership.role == .board)
            #expect(try await members.remove(userID: ada.id))
            #expect(try await members.find(userID: ada.id) == nil)
            #expect(try await members.list(page: .init()).items.map(\.user.id) == [bob.id])
        }
    }

    @Test("members: two admins demoting each other at once leave one admin", arguments: TestBackend.enabled)
    func concurrentDemotions(_ backend: TestBackend) async throws {
        try await backend.withDatabase { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let ada = try await Self.user("ada", in: store)
            let bob = try await Self.user("bob", in: store)
            let chamber = try await Self.chamber(ada, in: store)
            let members = store.scoped(to: chamber.id).members
            try await members.insert(Membership(chamberID: chamber.id, userID: bob.id, role: .admin, joinedAt: Self.now))
            await withTaskGroup(of: Void.self) { group in
                for id in [ada.id, bob.id] { group.addTask { try? await members.changeRole(userID: id, to: .member) } }
            }
            let admins = try await members.list(page: .init()).items.filter { $0.membership.role == .admin }
            #expect(admins.count == 1)
        }
    }

    @Test("tenancy: one chamber's stores never see another chamber's rows", arguments: TestBackend.enabled)
    func tenantIsolation(_ backend: TestBackend) async throws {
        try await backend.withDatabase { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let (ada, bob, a, b) = try await Self.twoChambers(in: store)
            let scopeA = store.scoped(to: a.id), scopeB = store.scoped(to: b.id)
            let business = Business(id: .generate(), chamberID: b.id, ownerUserID: bob.id, legalName: "B's Shop", createdAt: Self.now)
            try await scopeB.businesses.insert(business)
            let invitation = Invitation(
                id: .generate(), chamberID: b.id, email: "x@example.com", role: .member, invitedBy: bob.id,
                createdAt: Self.now, expiresAt: Self.now.addingTimeInterval(60))
            try await scopeB.invitations.insert(invitation, tokenHash: unique("inv"))
            try await scopeB.auditLog.append(AuditEntry(chamberID: b.id, actorID: bob.id, action: "test", target: nil, detail: nil, at: Self.now))

            #expect(try await scopeA.members.find(userID: bob.id) == nil)
            #expect(try await scopeA.members.list(page: .init()).items.map(\.user.id) == [ada.id])
            #expect(try await scopeA.businesses.find(id: business.id) == nil)
            #expect(try await scopeA.businesses.list(page: .init()).items.isEmpty)
            #expect(try await scopeA.invitations.find(id: invitation.id) == nil)
            #expect(try await scopeA.invitations.list(page: .init()).items.isEmpty)
            #expect(try await scopeA.auditLog.list(.init(), page: .init()).items.isEmpty)
            // Sanctions and the review queue are the chamber's own as well.
            try await scopeB.moderation.addSanction(
                Sanction(
                    chamberID: b.id, userID: bob.id, kind: .ban, channelID: nil, reason: "spam", createdBy: bob.id,
                    createdAt: Self.now, expiresAt: nil))
            #expect(try await scopeA.moderation.activeSanctions(userID: bob.id, at: Self.now).isEmpty)
            #expect(try await scopeA.moderation.activeSanctions(at: Self.now, page: .init()).items.isEmpty)
            #expect(try await scopeA.moderation.liftSanctions(userID: bob.id, kind: .ban, channelID: nil, at: Self.now, by: ada.id).isEmpty)
            #expect(try await scopeB.moderation.activeSanctions(userID: bob.id, at: Self.now).map(\.kind) == [.ban])
            #expect(try await scopeA.moderation.queue(state: nil, page: .init()).items.isEmpty)
            // Writes through A's scope cannot touch B's rows either.
            var stolen = business
            stolen.legalName = "Stolen"
            #expect(try await scopeA.businesses.update(stolen) == false)
            #expect(try await scopeA.businesses.delete(id: business.id, at: Self.now) == false)
            #expect(try await scopeA.invitations.revoke(id: invitation.id, at: Self.now) == false)
            #expect(try await scopeB.businesses.find(id: business.id)?.legalName == "B's Shop")
            // A write from a stale reading is refused; the current one goes through and raises the revision.
            var renamed = try #require(try await scopeB.businesses.find(id: business.id))
            renamed.legalName = "B's Shop & Cafe"
            #expect(try await scopeB.businesses.update(renamed))
            #expect(try await scopeB.businesses.update(renamed) == false, "written since it was read")
            #expect(try await scopeB.businesses.find(id: business.id)?.revision == renamed.revision + 1)
            #expect(try await scopeB.invitations.find(id: invitation.id)?.revokedAt == nil)
        }
    }

    @Test(
        "members: admitted with the latest ban in force, never a mute, a lifted or an ended ban, nor another chamber's; with the chamber's two-factor rule",
        arguments: TestBackend.enabled)
    func admission(_ backend: TestBackend) async throws {
        try await backend.withDatabase { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let (ada, bob, a, b) = try await Self.twoChambers(in: store)
            let scopeA = store.scoped(to: a.id), scopeB = store.scoped(to: b.id)
            try await scopeA.members.insert(Membership(chamberID: a.id, userID: bob.id, role: .member, joinedAt: Self.now))
            func sanction(
                _ kind: Sanction.Kind, in scope: any ChamberScopedStore, at offset: TimeInterval, until end: TimeInterval? = nil
            )
                async throws -> Sanction
            {
                let sanction = Sanction(
                    chamberID: scope.chamberID, userID: bob.id, kind: kind, channelID: nil, reason: "\(kind) at \(offset)", createdBy: ada.id,
                    createdAt: Self.now.addingTimeInterval(offset), expiresAt: end.map { Self.now.addingTimeInterval($0) })
                try await scope.moderation.addSanction(sanction)
                return sanction
            }
            func admitted() async throws -> Admission? {
                try await scopeA.members.findAdmission(userID: bob.id, at: Self.now)
            }
            #expect(try await scopeA.members.findAdmission(userID: .generate(), at: Self.now) == nil, "not a member")
            #expect(try await scopeB.members.findAdmission(userID: ada.id, at: Self.now) == nil, "a member elsewhere")
            var admission = try #require(try await admitted())
            #expect(admission.member == (try await scopeA.members.find(userID: bob.id)))
            #expect(admission.ban == nil)
            #expect(admission.security == SecurityPolicy(), "settings stored before the rules existed require nothing")
            var strict = a
            strict.settings.security = SecurityPolicy(twoFactorRequiredFor: .staff, adminSignInProvider: "acme")
            try await store.chambers.update(strict)
            #expect(try await admitted()?.security == strict.settings.security)
            #expect(
                try await scopeB.members.findAdmission(userID: bob.id, at: Self.now)?.security == SecurityPolicy(),
                "bob's own chamber requires nothing")

            _ = try await sanction(.mute, in: scopeA, at: -60)
            _ = try await sanction(.ban, in: scopeB, at: -60)
            _ = try await sanction(.ban, in: scopeA, at: -120, until: -1)
            admission = try #require(try await admitted())
            #expect(admission.ban == nil, "a mute, another chamber's ban and an ended ban do not count")

            let older = try await sanction(.ban, in: scopeA, at: -90)
            let latest = try await sanction(.ban, in: scopeA, at: -30, until: 600)
            admission = try #require(try await admitted())
            #expect(admission.ban == latest)
            #expect(admission.member.user == bob)
            _ = try await scopeA.moderation.liftSanctions(userID: bob.id, kind: .ban, channelID: nil, at: Self.now, by: ada.id)
            #expect(try await admitted()?.ban == nil, "lifted: \(older.id) and \(latest.id)")
        }
    }

    @Test("invitations: accept once, inside a transaction with the membership", arguments: TestBackend.enabled)
    func invitations(_ backend: TestBackend) async throws {
        try await backend.withDatabase { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let ada = try await Self.user("ada", in: store)
            let bob = try await Self.user("bob", in: store)
            let chamber = try await Self.chamber(ada, in: store)
            let scope = store.scoped(to: chamber.id)
            let invitation = Invitation(
                id: .generate(), chamberID: chamber.id, email: bob.email, role: .staff, invitedBy: ada.id,
                createdAt: Self.now, expiresAt: Self.now.addingTimeInterval(60))
            let hash = unique("inv")
            try await scope.invitations.insert(invitation, tokenHash: hash)
            #expect(try await scope.invitations.find(tokenHash: hash)?.id == invitation.id)
            let membership = Membership(chamberID: chamber.id, userID: bob.id, role: .staff, joinedAt: Self.now)
            #expect(try await scope.invitations.accept(id: invitation.id, membership: membership, at: Self.now) == membership)
            #expect(try await scope.members.find(userID: bob.id)?.membership.role == .staff)
            await #expect(throws: ChamberError.self) {
                try await scope.invitations.accept(id: invitation.id, membership: membership, at: Self.now)
            }
            #expect(try await scope.invitations.find(id: invitation.id)?.status(at: Self.now) == .accepted)
        }
    }

    @Test("businesses: round trip of every field; paging", arguments: TestBackend.enabled)
    func businesses(_ backend: TestBackend) async throws {
        try await backend.withDatabase { (db) async throws -> Void in
            let store = SQLStore(database: db, fields: .testing)
            let ada = try await Self.user("ada", in: store)
            let chamber = try await Self.chamber(ada, in: store)
            let scope = store.scoped(to: chamber.id)
            let full = Business(
                id: .generate(), chamberID: chamber.id, ownerUserID: ada.id, legalName: "Acme LLC", displayName: "Acme", taxID: "12-3456789",
                category: "Retail", address: PostalAddress(line1: "1 Main", city: "Springfield", region: "IL", postalCode: "62701", country: "US"),
                website: "https://acme.example", phone: "+1 555", email: "hi@acme.example", socialLinks: ["x": "https://x.com/acme"],
                description: "Everything 'quoted' and ? marked", createdAt: Self.now)
            try await scope.businesses.insert(full)
            #expect(try await scope.businesses.find(id: full.id) == full)
            for index in 0..<4 {
                try await scope.businesses.insert(
                    Business(id: .generate(), chamberID: chamber.id, ownerUserID: nil, legalName: "Zed \(index)", createdAt: Self.now))
            }
            let first = try await scope.businesses.list(page: PageRequest(limit: 2, offset: 0))
            #expect(first.items.map(\.legalName) == ["Acme LLC", "Zed 0"] && first.nextCursor == "o2")
            let last = try await scope.businesses.list(page: PageRequest(limit: 2, offset: 4))
            #expect(last.items.map(\.legalName) == ["Zed 3"] && last.nextCursor == nil)
        }
    }

    @Test("a chamber-scoped statement without :chamber never runs")
    func unscopedStatementsAreRefused() throws {
        let chamber = ChamberID.generate()
        #expect(throws: StorageError.self) { try ChamberScopedSQL.bind("SELECT * FROM businesses WHERE id = ?", [.text("x")], chamber: chamber) }
        let (sql, binds) = try ChamberScopedSQL.bind(
            "SELECT * FROM t WHERE a = ? AND chamber_id = :chamber AND b = ?", [.text("a"), .text("b")], chamber: chamber)
        #expect(sql == "SELECT * FROM t WHERE a = ? AND chamber_id = ? AND b = ?")
        #expect(binds == [.text("a"), .id(chamber), .text("b")])
        let (accented, more) = try ChamberScopedSQL.bind(
            "SELECT 'Zürich – café' FROM t WHERE chamber_id = :chamber AND x = ? AND y = :chamber", [.text("x")], chamber: chamber)
        #expect(accented == "SELECT 'Zürich – café' FROM t WHERE chamber_id = ? AND x = ? AND y = ?", "text around the markers is kept byte for byte")
        #expect(more == [.id(chamber), .text("x"), .id(chamber)])
        #expect(throws: StorageError.bindCountMismatch(placeholders: 2, binds: 1)) {
            try ChamberScopedSQL.bind("SELECT ? FROM t WHERE chamber_id = :chamber AND x = ?", [.text("x")], chamber: chamber)
        }
    }

    @Test("one statement scoped for many sets of binds: one text, the chamber at the same places in each, every set counted")
    func scopedForManySets() throws {
        let chamber = ChamberID.generate()
        let sql = "INSERT INTO t (a, chamber_id, b) VALUES (?, :chamber, ?)"
        let (text, sets) = try SQLPlaceholders.scope(sql, bindSets: [[.int(1), .text("x")], [.int(2), .null]], chamber: chamber)
        #expect(text == "INSERT INTO t (a, chamber_id, b) VALUES (?, ?, ?)")
        #expect(sets == [[.int(1), .id(chamber), .text("x")], [.int(2), .id(chamber), .null]])
        #expect(try ChamberScopedSQL.bind(sql, [.int(1), .text("x")], chamber: chamber) == (text, sets[0]))
        #expect(throws: StorageError.bindCountMismatch(placeholders: 2, binds: 1)) {
            try SQLPlaceholders.scope(sql, bindSets: [[.int(1), .text("x")], [.int(2)]], chamber: chamber)
        }
        #expect(throws: StorageError.self) { try SQLPlaceholders.scope("DELETE FROM t WHERE id = ?", bindSets: [[.int(1)]], chamber: chamber) }
    }

    @Test(
        "the scoping reads quotes and words as the numbering does",
        arguments: [
            // (statement, binds given, the rewritten statement or nil when refused)
            ("SELECT * FROM t WHERE chamber_id = :chamber AND x = ?", 2, nil),  // a value no placeholder takes
            ("SELECT ':chamber ?' FROM t WHERE chamber_id = :chamber", 0, "SELECT ':chamber ?' FROM t WHERE chamber_id = ?"),
            ("SELECT 'it''s ?' FROM t WHERE chamber_id = :chamber AND x = ?", 1, "SELECT 'it''s ?' FROM t WHERE chamber_id = ? AND x = ?"),
            ("SELECT * FROM t WHERE x = :chamber_id", 0, nil),  // a longer name is not the marker
            ("SELECT * FROM t WHERE x = :chamberé", 0, nil),
            ("SELECT 1::chamber FROM t", 0, nil),  // a cast to a type of that name
            ("SELECT * FROM t WHERE chamber_id=:chamber)", 0, "SELECT * FROM t WHERE chamber_id=?)"),
            (":chamber", 0, "?"),
        ] as [(String, Int, String?)])
    func scopingReadsLikeNumbering(statement: String, binds: Int, expected: String?) {
        let values = (0..<binds).map { SQLValue.int(Int64($0)) }
        let rewritten = try? ChamberScopedSQL.bind(statement, values, chamber: ChamberID("c")).0
        #expect(rewritten == expected)
    }

    @Test("only an in-memory SQLite database has reads that see other tasks' open transactions (nothing read there is kept)")
    func readsSeeOpenTransactions() throws {
        #expect(try DatabaseLocation(url: "sqlite::memory:").readsSeeOpenTransactions)
        #expect(try !DatabaseLocation(url: "sqlite://data/chamberconnect.sqlite").readsSeeOpenTransactions)
        #expect(try !DatabaseLocation(url: "postgres://chamber@127.0.0.1:5432/chamberconnect").readsSeeOpenTransactions)
    }

    @Test("PostgreSQL placeholders are numbered outside quotes")
    func placeholders() {
        #expect(SQLPlaceholders.number("SELECT ? , '?' , ?") == "SELECT $1 , '?' , $2")
        #expect(SQLPlaceholders.number("SELECT 'héllo ?', ?, 'ünï', ?") == "SELECT 'héllo ?', $1, 'ünï', $2")
        #expect(
            SQLPlaceholders.number(Array(repeating: "?", count: 12).joined(separator: ","))
                == (1...12).map { "$\($0)" }.joined(separator: ","))
    }
}
