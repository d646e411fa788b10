import Foundation

/// How registrants hear about their event: the live room they are put in while they hold seats, the organisers'
/// notices posted there, e-mail for those outside it, and the door figures the organisers watch.
extension EventService {
    /// Puts a registration's registrant in the event's live room once it holds seats for them.
    func enterRoom(_ registration: Registration, of event: Event) async throws {
        guard let room = event.roomID, let userID = registration.userID,
            registration.status == .confirmed || registration.status == .pendingPayment
        else { return }
        try await chat.addToRoom(room, userID: userID, in: event.chamberID)
    }

    /// Takes an ended registration's registrant out of the event's live room (staff who run events stay).
    func leaveRoom(_ registration: Registration, of event: Event) async throws {
        guard let room = event.roomID, let userID = registration.userID else { return }
        try await chat.removeFromRoom(room, userID: userID, in: event.chamberID)
    }

    /// Whether the user is in the event's live room (and so hears its notices there).
    func inRoom(_ userID: UserID, of event: Event) async throws -> Bool {
        guard let room = event.roomID else { return false }
        return try await store.scoped(to: event.chamberID).chat.channels.member(room, userID: userID) != nil
    }

    /// Archives the event's live room (it keeps its history, and takes no more messages).
    func archiveRoom(of event: Event) async throws {
        if let room = event.roomID { try await chat.archiveRoom(room, in: event.chamberID) }
    }

    /// Posts the notice to the event's room in `organiser`'s name; false when it could not be (no room, or the
    /// posting failed, which is audited: the change it reports stands, and registrants outside the room are mailed).
    @discardableResult
    func announce(_ notice: EventNotice, of event: Event, by organiser: UserID) async -> Bool {
        guard let room = event.roomID else { return false }
        do {
            return try await chat.postNotice(
                room, in: event.chamberID, by: organiser, body: notice.body(event), data: notice.data(event),
                clientMessageID: notice.clientMessageID(event))
        } catch {
            try? await store.scoped(to: event.chamberID).auditLog.append(
                AuditEntry(
                    chamberID: event.chamberID, actorID: nil, action: "event.notice_failed", target: "event:\(event.id)",
                    detail: "\(notice.kind): \(error)", at: now()))
            return false
        }
    }

    /// Mails each offer's registrant that a seat is theirs until the offer expires.
    func mailOffers(_ offers: [Registration], of event: Event) async throws {
        for offer in offers {
            guard let userID = offer.userID, let expires = offer.offerExpiresAt else { continue }
            await mail(
                userID, in: event.chamberID, subject: "A seat is yours: \(event.title)",
                body: """
                    A seat freed up at \(event.title) (\(EventText.when(event))), and it is held for you until \
                    \(EventText.time(expires, in: event.timeZone)). Accept it in the app before then, or it goes to the next in line.
                    """)
        }
        await attendanceChanged(of: event, if: !offers.isEmpty)
    }

    /// Reminds the event's registrants holding seats that it is coming: in the room, in the name of the event's
    /// creator while they still run the chamber's events, and by e-mail to those outside it. Returns how many
    /// registrations were reminded.
    func remind(_ event: Event) async throws -> Int {
        let creator = try await store.scoped(to: event.chamberID).members.find(userID: event.createdBy)
        let posted =
            if let creator, Permissions.allows(creator.membership.role, .update, .event) {
                await announce(.reminder, of: event, by: event.createdBy)
            } else { false }
        return try await mailOutsideRoom(.reminder, of: event, roomTold: posted) { $0 == .confirmed || $0 == .pendingPayment }
    }

    /// Tells the event's registrants of a change of when or where it is: the room in `organiser`'s name, and by
    /// e-mail everyone with an open registration outside it (the waitlist too: they may yet come).
    func announceChange(of event: Event, by organiser: UserID) async throws {
        let posted = await announce(.changed, of: event, by: organiser)
        _ = try await mailOutsideRoom(.changed, of: event, roomTold: posted) { $0.isOpen }
    }

    /// Mails the notice to the registrants in `statuses` who did not get it in the room (all of them when the room
    /// was not told). Returns how many registrations it concerned, mailed or told in the room.
    private func mailOutsideRoom(
        _ notice: EventNotice, of event: Event, roomTold: Bool, statuses: (RegistrationStatus) -> Bool
    ) async throws -> Int {
        let scope = store.scoped(to: event.chamberID)
        let registrations = try await Page.collect { try await scope.events.registrations(of: event.id, status: nil, name: nil, page: $0) }
        var concerned = 0
        for registration in registrations where statuses(registration.status) {
            guard let userID = registration.userID else { continue }
            concerned += 1
            if roomTold, try await inRoom(userID, of: event) { continue }
            let unpaid = registration.status == .pendingPayment ? " Your registration is not paid yet." : ""
            await mail(userID, in: event.chamberID, subject: notice.subject(event), body: notice.body(event) + unpaid)
        }
        return concerned
    }

    /// Mails a registrant about an event, unless their e-mail preference for events is `none`; a failure is audited,
    /// never thrown (the change it reports stands).
    func mail(_ userID: UserID, in chamberID: ChamberID, subject: String, body: String) async {
        do {
            guard let user = try await store.users.find(id: userID) else { return }
            guard try await store.scoped(to: chamberID).wantsEmail(.events, user: userID) else { return }
            let chamber = try await store.chambers.find(id: chamberID)
            try await mailer.send(Mail(kind: .events, to: user.email, subject: "\(chamber?.name ?? "Chamber"): \(subject)", body: body))
        } catch {
            try? await store.scoped(to: chamberID).auditLog.append(
                AuditEntry(chamberID: chamberID, actorID: nil, action: "event.mail_failed", target: "user:\(userID)", detail: "\(error)", at: now()))
        }
    }

    /// Tells the organisers the event's door figures changed (when `changed`).
    func attendanceChanged(of event: Event, if changed: Bool = true) async {
        guard changed else { return }
        await attendanceBoard?.changed(event.id, in: event.chamberID)
    }
}
