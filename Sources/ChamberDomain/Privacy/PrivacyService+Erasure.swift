import Foundation

extension PrivacyService {
    /// What an erased account is called wherever its id is still shown (its messages, the chamber's records).
    public static let formerMemberName = "A former member"

    /// Erases the caller's own account, in every chamber, after checking their password (throttled as logins are).
    public func eraseOwnAccount(_ identity: Identity, password: String) async throws {
        try await accounts.checkPassword(identity, password, field: "password")
        guard !identity.user.isPlatformAdmin else {
            throw ChamberError(.erasureRefused, "a platform admin's account cannot be erased; another platform admin must first take the role away")
        }
        try await erase(identity.user.id, by: identity.user.id, confinedTo: nil)
    }

    /// Erases a member's account at the request of the chamber's admin. Refused while another chamber also holds the
    /// person's data (which is not this chamber's to erase), and for a platform admin; a member erases their own
    /// account with ``eraseOwnAccount(_:password:)``. `confirmEmail` must be the account's e-mail address, so that the
    /// wrong member is not erased by a slip.
    public func eraseMember(_ access: ChamberAccess, _ user: UserID, confirmEmail: String) async throws {
        guard access.userID != user else {
            throw ChamberError(.forbidden, "erase your own account with POST /v1/me/erasure, which asks for your password")
        }
        try await requireSubject(access, user)
        guard let account = try await store.users.find(id: user) else { throw ChamberError(.memberNotFound, "no member \(user) in this chamber") }
        guard confirmEmail.lowercased() == account.email.lowercased() else {
            throw ChamberError(.validationFailed, "confirm_email is not the member's e-mail address", field: "confirm_email")
        }
        guard !account.isPlatformAdmin else {
            throw ChamberError(.erasureRefused, "a platform admin's account cannot be erased; another platform admin must first take the role away")
        }
        try await erase(user, by: access.userID, confinedTo: access.chamberID)
    }

    /// Erases in one transaction, then removes the files' bytes and ends the account's live sockets; each chamber the
    /// person belonged to records who erased them.
    private func erase(_ user: UserID, by actor: UserID, confinedTo chamber: ChamberID?) async throws {
        let at = now()
        let erased = try await store.erasure.erase(user, formerName: Self.formerMemberName, at: at, confinedTo: chamber)
        for key in erased.fileKeys { try? await files.delete(key: key) }
        await sessionObserver?.sessionsRevoked(userID: user, .only(erased.sessions))
        for chamber in erased.chambers {
            await membershipObserver?.memberRemoved(chamberID: chamber, userID: user)
            try? await store.scoped(to: chamber).auditLog.append(
                AuditEntry(
                    chamberID: chamber, actorID: actor, action: "member.erased", target: "user:\(user)",
                    detail: actor == user ? "at the member's own request" : "at an admin's request", at: at))
        }
    }
}
