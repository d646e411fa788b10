import Foundation

/// What a member is told when their standing's status changes, by whoever changed it (staff, the standing job, a
/// dues payment): a notice (``notices(_:member:from:reason:at:)``, written owed with the change), webhook events, and
/// a reconnect of their sockets when what they may do changed.
struct StandingNotice: Sendable {
    let store: any Store
    let mailer: (any Mailer)?
    let observer: (any MembershipObserver)?
    let notices: NoticeNotifier
    let now: @Sendable () -> Date

    /// The notice of `member`'s new status (as it will be written), to write with it; none when the status stays.
    static func notices(_ chamber: Chamber, member: Member, from before: MembershipStatus, reason: String?, at: Date) -> [Notice] {
        guard let after = member.membership.standing?.status, after != before else { return [] }
        let body =
            switch after {
            case .active: "Your membership of \(chamber.name) is active."
            case .grace:
                "Your dues to \(chamber.name) are due. Your membership stays in good standing for \(chamber.settings.membership.graceDays) days; "
                    + "pay them within that time to keep it."
            case .lapsed:
                "Your membership of \(chamber.name) has lapsed: its dues were not paid. Your business is out of the directory and you cannot "
                    + "post until they are."
            case .suspended: "Your membership of \(chamber.name) is suspended."
            case .cancelled: "Your membership of \(chamber.name) is cancelled."
            case .trial: "Your trial membership of \(chamber.name) has started."
            case .pending: "Your membership of \(chamber.name) waits for its first dues."
            }
        return [
            Notice(
                chamberID: chamber.id, userID: member.user.id, category: .membership, subject: .membership(of: member.user.id),
                title: "Your membership is \(after.rawValue)", text: body + (reason.map { "\n\nThe chamber's reason: \($0)" } ?? ""),
                mailSubject: "\(chamber.name): your membership is \(after.rawValue)", at: at)
        ]
    }

    /// Once the new status is written with `told` (its ``notices(_:member:from:reason:at:)``): records the notice,
    /// queues the webhook events, and makes the member's sockets pick up a change of what they may do.
    func changed(_ chamber: Chamber, member: Member, from before: MembershipStatus, told: [Notice]) async {
        guard let after = member.membership.standing?.status, after != before else { return }
        let at = now()
        let events = [WebhookEvent.statusChanged(member, from: before, at: at), WebhookEvent.lapsed(member, from: before, at: at)]
        await store.scoped(to: chamber.id).emit(events.compactMap { $0 }, target: "user:\(member.user.id)", at: at)
        if before.allows(.chat) != after.allows(.chat) { await reconnect(chamber, member, now: after) }
        await notices.deliver(told.map(\.id))
    }

    /// Mails `user`, unless their e-mail level for membership is `none`; a mail that fails is in the audit log.
    private func mail(_ chamber: Chamber, to user: User, subject: String, body: String) async {
        guard let mailer else { return }
        do {
            guard try await store.scoped(to: chamber.id).wantsEmail(.membership, user: user.id) else { return }
            try await mailer.send(Mail(kind: .membership, to: user.email, subject: subject, body: body))
        } catch {
            try? await store.scoped(to: chamber.id).auditLog.append(
                AuditEntry(
                    chamberID: chamber.id, actorID: nil, action: "membership.mail_failed", target: "user:\(user.id)", detail: "\(error)", at: now()))
        }
    }

    /// The member's sockets, and those of the business's staff who share the standing, pick up what it allows now;
    /// the staff are told by mail why they can post again, or no longer can.
    private func reconnect(_ chamber: Chamber, _ member: Member, now status: MembershipStatus) async {
        await observer?.roleChanged(chamberID: chamber.id, userID: member.user.id)
        let scope = store.scoped(to: chamber.id)
        guard let businessID = member.membership.standing?.businessID, let seating = try? await scope.seats.seating(of: businessID, at: now())
        else { return }
        let business = (try? await scope.businesses.find(id: businessID)).flatMap { $0.map { $0.displayName ?? $0.legalName } } ?? "Your business"
        let text =
            status.allows(.chat)
            ? "\(business)'s membership of \(chamber.name) is \(status.rawValue) again: you can post in its channels."
            : "\(business)'s membership of \(chamber.name) is \(status.rawValue): until it is renewed, you read but cannot post, "
                + "and are out of the people directory. \(member.user.displayName) holds the membership."
        for person in seating.people where person.seat == .staff {
            await observer?.roleChanged(chamberID: chamber.id, userID: person.member.user.id)
            await mail(chamber, to: person.member.user, subject: "\(chamber.name): \(business)'s membership is \(status.rawValue)", body: text)
        }
    }
}
