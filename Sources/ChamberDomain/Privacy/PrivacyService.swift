import Foundation

/// A member's data theirs: an export of everything a chamber holds about them, prepared in the background and
/// announced by mail, and erasure of their account. Members ask for their own; a chamber's admins may ask for a
/// member, and every request is in the chamber's audit log.
public final class PrivacyService: Sendable {
    let store: any Store
    let files: any FileStore
    let mailer: (any Mailer)?
    let accounts: AccountService
    let sessionObserver: (any SessionObserver)?
    let membershipObserver: (any MembershipObserver)?
    /// How long a prepared archive can be downloaded before it is removed.
    public let archiveLifetime: TimeInterval
    let now: @Sendable () -> Date

    public init(
        store: any Store, files: any FileStore, mailer: (any Mailer)?, accounts: AccountService, sessionObserver: (any SessionObserver)? = nil,
        membershipObserver: (any MembershipObserver)? = nil, archiveLifetime: TimeInterval = 7 * 86_400,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.files = files
        self.mailer = mailer
        self.accounts = accounts
        self.sessionObserver = sessionObserver
        self.membershipObserver = membershipObserver
        self.archiveLifetime = archiveLifetime
        self.now = now
    }

    /// Asks for an export of `user`'s data in the chamber: the member themself, or an admin. While one is pending,
    /// asking again answers that one.
    public func requestExport(_ access: ChamberAccess, of user: UserID) async throws -> DataExport {
        try await requireSubject(access, user)
        let scoped = store.scoped(to: access.chamberID)
        if let pending = try await scoped.dataExports.pending(of: user) { return pending }
        let draft = DataExport(id: .generate(), chamberID: access.chamberID, userID: user, requestedBy: access.userID, requestedAt: now())
        let export = try await scoped.dataExports.insertPending(draft)
        guard export.id == draft.id else { return export }
        try await audit(access, "member.data_export_requested", user: user, detail: "export \(export.id)")
        return export
    }

    /// The member's exports in the chamber, newest first.
    public func exports(_ access: ChamberAccess, of user: UserID) async throws -> [DataExport] {
        try await requireSubject(access, user)
        return try await store.scoped(to: access.chamberID).dataExports.list(of: user)
    }

    /// One of the member's exports.
    public func export(_ access: ChamberAccess, of user: UserID, id: DataExportID) async throws -> DataExport {
        try await requireSubject(access, user)
        guard let export = try await store.scoped(to: access.chamberID).dataExports.find(id: id), export.userID == user else {
            throw ChamberError(.dataExportNotFound, "no export \(id) of this member")
        }
        return export
    }

    /// A ready export's archive. - Throws: `data_export_not_ready` while it is pending, and once it failed or expired.
    public func archive(_ access: ChamberAccess, of user: UserID, id: DataExportID) async throws -> (export: DataExport, bytes: [UInt8]) {
        let export = try await export(access, of: user, id: id)
        guard export.status == .ready, let expiry = export.expiresAt, expiry > now() else {
            throw ChamberError(.dataExportNotReady, "the export is \(export.status == .ready ? "expired" : export.status.rawValue), not ready")
        }
        guard let bytes = try await files.get(key: export.archiveKey) else {
            throw ChamberError(.dataExportNotReady, "the export's archive is gone; ask for a new one")
        }
        if access.userID != user { try await audit(access, "member.data_export_downloaded", user: user, detail: "export \(export.id)") }
        return (export, bytes)
    }

    /// One pass of the background worker: prepares one pending export (claimed, so that each is prepared by one node
    /// at a time), then removes archives whose time is up. Returns how many exports it moved.
    public func runExports(lease: TimeInterval = 300) async throws -> Int {
        var moved = 0
        if let export = try await store.exportQueue.claim(now: now(), lease: lease) {
            moved += 1
            do {
                try await prepare(export)
            } catch {
                // The member is told it failed and may ask again; what went wrong goes to the job's log, not to them.
                try await store.exportQueue.fail(export.id, reason: "the archive could not be prepared; ask for a new one", at: now())
                try? await files.delete(key: export.archiveKey)
                throw error
            }
        }
        for export in try await store.exportQueue.dueToExpire(now: now(), limit: 100) {
            try await files.delete(key: export.archiveKey)
            try await store.exportQueue.expire(export.id)
            moved += 1
        }
        return moved
    }

    private func prepare(_ export: DataExport) async throws {
        let scoped = store.scoped(to: export.chamberID)
        guard let chamber = try await store.chambers.find(id: export.chamberID) else { return }
        let sections = try await scoped.personalData.sections(of: export.userID, includingAccount: export.requestedBy == export.userID)
        var uploads: [DataExportArchive.Upload] = []
        for file in try await scoped.personalData.files(of: export.userID) {
            if let bytes = try await files.get(key: file.key) { uploads.append(.init(file: file, bytes: bytes)) }
        }
        let at = now()
        let bytes = try DataExportArchive.build(export, chamberName: chamber.name, sections: sections, uploads: uploads, at: at)
        try await files.put(bytes, key: export.archiveKey, contentType: "application/zip")
        let expiry = at.addingTimeInterval(archiveLifetime)
        guard try await store.exportQueue.finish(export.id, size: bytes.count, at: at, expiresAt: expiry) else {
            // No longer pending. Another node that took it over finished the same archive: it stays. The person was
            // erased meanwhile: no archive of theirs may stay.
            if try await scoped.dataExports.find(id: export.id)?.status != .ready { try await files.delete(key: export.archiveKey) }
            return
        }
        guard let mailer, let user = try await store.users.find(id: export.userID) else { return }
        try? await mailer.send(
            Mail(
                kind: .membership, to: user.email, subject: "\(chamber.name): your data is ready to download",
                body:
                    "The copy of your data that \(chamber.name) holds is ready. Download it from your account, in the chamber's privacy "
                    + "section, until \(expiry.iso8601Seconds); after that it is removed and you can ask for a new one."))
    }

    /// The member themself, or an admin of the chamber for a member of it.
    func requireSubject(_ access: ChamberAccess, _ user: UserID) async throws {
        if access.userID == user { return }
        guard access.role == .admin else { throw ChamberError(.forbidden, "only the member themself or the chamber's admins may do this") }
        guard try await store.scoped(to: access.chamberID).members.find(userID: user) != nil else {
            throw ChamberError(.memberNotFound, "no member \(user) in this chamber")
        }
    }

    func audit(_ access: ChamberAccess, _ action: String, user: UserID, detail: String?) async throws {
        try await store.scoped(to: access.chamberID).auditLog.append(
            AuditEntry(chamberID: access.chamberID, actorID: access.userID, action: action, target: "user:\(user)", detail: detail, at: now()))
    }
}
