import Foundation

/// The events of membership, events and moderation, each with an id derived from the change it tells of.
extension WebhookEvent {
    /// A membership lapsed: once per revision of its standing, beside its `membership.status_changed`.
    static func lapsed(_ member: Member, from before: MembershipStatus, at: Date) -> WebhookEvent? {
        guard let standing = member.membership.standing, standing.status == .lapsed, let changed = statusChanged(member, from: before, at: at)
        else { return nil }
        return WebhookEvent(
            id: "evt_lapsed_\(member.user.id)_\(standing.revision)", type: .membershipLapsed, chamberID: changed.chamberID, data: changed.data,
            at: at)
    }

    /// An application submitted: once per submission (a resubmission after a request for information is another).
    static func applied(_ application: MembershipApplication, at: Date) -> WebhookEvent {
        WebhookEvent(
            id: "evt_applied_\(application.id)_\(Int64((application.submittedAt ?? at).timeIntervalSince1970 * 1000))",
            type: .membershipApplied, chamberID: application.chamberID,
            data: [
                "application_id": .string(application.id.rawValue), "user_id": .string(application.applicantID.rawValue),
                "legal_name": application.steps.business.map { .string($0.legalName) } ?? .null,
                "tier_id": application.steps.membership.map { .string($0.tierID.rawValue) } ?? .null,
                "score": application.score.map { .int(Int64($0)) } ?? .null,
                "submitted_at": .int(Int64((application.submittedAt ?? at).timeIntervalSince1970)),
            ], at: at)
    }

    /// An application approved: once.
    static func approved(_ application: MembershipApplication, automatically: Bool, at: Date) -> WebhookEvent {
        WebhookEvent(
            id: "evt_approved_\(application.id)", type: .membershipApproved, chamberID: application.chamberID,
            data: [
                "application_id": .string(application.id.rawValue), "user_id": .string(application.applicantID.rawValue),
                "business_id": application.businessID.map { .string($0.rawValue) } ?? .null,
                "tier_id": application.steps.membership.map { .string($0.tierID.rawValue) } ?? .null, "automatic": .bool(automatically),
            ], at: at)
    }

    /// A registration made, at the door too: once.
    static func registered(_ registration: Registration, at: Date) -> WebhookEvent {
        WebhookEvent(
            id: "evt_registered_\(registration.id)", type: .eventRegistered, chamberID: registration.chamberID,
            data: [
                "registration_id": .string(registration.id.rawValue), "event_id": .string(registration.eventID.rawValue),
                "user_id": registration.userID.map { .string($0.rawValue) } ?? .null, "ticket_type_id": .string(registration.ticketTypeID.rawValue),
                "seats": .int(Int64(registration.seats)), "status": .string(registration.status.rawValue),
                "amount_minor": .int(Int64(registration.amountCents)), "walk_in": .bool(registration.walkIn),
            ], at: at)
    }

    /// A message reported: once per report (the item counts the reports of its message).
    static func reported(_ item: ReviewItem, by reporter: UserID, reason: String, at: Date) -> WebhookEvent {
        WebhookEvent(
            id: "evt_reported_\(item.id)_\(item.reports)", type: .messageReported, chamberID: item.chamberID,
            data: [
                "review_item_id": .string(item.id.rawValue), "message_id": .string(item.messageID.rawValue),
                "channel_id": .string(item.channelID.rawValue), "author_id": .string(item.authorID.rawValue),
                "reporter_id": .string(reporter.rawValue), "reason": .string(reason), "reports": .int(Int64(item.reports)),
            ], at: at)
    }
}

extension ChamberScopedStore {
    /// Queues events for the chamber's endpoints once the change they tell of has committed. The change stands
    /// whatever happens here: a queue that fails is written to the audit log instead (`target` names the change).
    func emit(_ events: [WebhookEvent], target: String, at: Date) async {
        guard !events.isEmpty else { return }
        do {
            try await webhooks.enqueue(events)
        } catch {
            try? await auditLog.append(
                AuditEntry(chamberID: chamberID, actorID: nil, action: "webhook.enqueue_failed", target: target, detail: "\(error)", at: at))
        }
    }
}
