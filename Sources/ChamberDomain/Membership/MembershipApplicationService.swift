import Foundation

/// A staff member's decision on an application.
public enum ApplicationDecision: Sendable, Equatable {
    case approve
    case reject(reason: String)
    case requestInfo(message: String)
}

/// The membership application, from the applicant's first step to staff's decision.
///
/// An applicant needs an account but no membership: they reach only their own applications, and to anyone else an
/// application does not exist (`application_not_found`). Staff and admins of the chamber work the review queue; board
/// members may read it. Every decision is audited. An approval, in one transaction, makes the applicant a `member`
/// (in a trial, or pending their first dues, on the tier they chose) and lists the business with them as its owner; then it opens a direct channel between the applicant and the
/// membership director (the staff member who approved; for an automatic approval an admin of the chamber, or staff
/// when it has none) with a welcome in it, and mails the applicant.
public final class MembershipApplicationService: Sendable {
    let store: any Store
    /// Keeps the applications' documents.
    let files: FileService
    private let chat: ChatService
    private let mailer: any Mailer
    private let categories: [BusinessCategory]
    let now: @Sendable () -> Date

    /// - Parameter categories: the category list applicants choose from (`Config/membership/categories.json`).
    public init(
        store: any Store, files: FileService, chat: ChatService, mailer: any Mailer, categories: [BusinessCategory],
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.files = files
        self.chat = chat
        self.mailer = mailer
        self.categories = categories
        self.now = now
    }

    /// What someone needs before applying to the chamber with this slug: its name, whether it takes applications, the
    /// tiers on offer and the categories. No sign-in needed; a chamber's tiers are its public price list.
    public func offer(slug: String) async throws -> (chamber: Chamber, tiers: [MembershipTier], categories: [BusinessCategory]) {
        guard let chamber = try await store.chambers.find(slug: slug.lowercased()) else {
            throw ChamberError(.chamberNotFound, "no chamber '\(slug.prefix(60))'")
        }
        return (chamber, try await store.scoped(to: chamber.id).tiers.list(includingRetired: false), categories)
    }

    // MARK: The applicant

    /// Opens a draft. Refused when the chamber takes no applications (`applications_closed`), when the caller is a
    /// member already (`already_member`), or has an open application there (`application_state_conflict`).
    public func start(_ identity: Identity, chamberID: ChamberID) async throws -> MembershipApplication {
        let chamber = try await requireOpen(chamberID)
        let scope = store.scoped(to: chamberID)
        if try await scope.members.find(userID: identity.user.id) != nil {
            throw ChamberError(.alreadyMember, "you are a member of \(chamber.name) already")
        }
        let at = now()
        let application = MembershipApplication(id: .generate(), chamberID: chamberID, applicantID: identity.user.id, createdAt: at, updatedAt: at)
        try await scope.applications.insert(application)
        return application
    }

    /// The chamber, if it takes applications: checked before an account is made for an applicant, so a refused
    /// application leaves no account behind.
    @discardableResult
    public func requireOpen(_ chamberID: ChamberID) async throws -> Chamber {
        guard let chamber = try await store.chambers.find(id: chamberID) else {
            throw ChamberError(.chamberNotFound, "no chamber \(chamberID)", field: "chamber_id")
        }
        guard chamber.settings.openApplications else {
            throw ChamberError(.applicationsClosed, "\(chamber.name) takes members by invitation only")
        }
        return chamber
    }

    public func mine(_ identity: Identity) async throws -> [MembershipApplication] {
        try await store.applications.list(applicant: identity.user.id)
    }

    public func get(_ identity: Identity, id: ApplicationID) async throws -> MembershipApplication {
        try await own(identity, id)
    }

    /// Validates one step and saves it, in a draft or after staff asked for more information.
    public func save(_ identity: Identity, id: ApplicationID, _ input: ApplicationStepInput) async throws -> MembershipApplication {
        var application = try await own(identity, id)
        try Self.require(.editStep, on: application)
        let tiers = store.scoped(to: application.chamberID).tiers
        let instant = now()
        let year = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: instant).year ?? 2026
        try await input.apply(to: &application.steps, categories: categories, year: year, tier: { try await tiers.find(id: $0) }, at: instant)
        application.updatedAt = instant
        return try await write(application)
    }

    /// Sends the application to the review queue, with the automatic checks and their score; approves it at once when
    /// the chamber auto-approves scores this high. Every step must be saved (`application_incomplete` names the first
    /// missing). After a request for information, `response` is the applicant's answer.
    public func submit(_ identity: Identity, id: ApplicationID, response: String? = nil) async throws -> MembershipApplication {
        var application = try await own(identity, id)
        try Self.require(.submit, on: application)
        if let step = application.steps.missing.first {
            throw ChamberError(.applicationIncomplete, "the \(step.rawValue) step is not saved yet", field: step.rawValue)
        }
        let scope = store.scoped(to: application.chamberID)
        if let tierID = application.steps.membership?.tierID, try await scope.tiers.find(id: tierID)?.active != true {
            throw ChamberError(.tierNotFound, "the chosen tier is no longer offered; choose another", field: "membership")
        }
        guard let chamber = try await store.chambers.find(id: application.chamberID) else {
            throw ChamberError(.chamberNotFound, "no chamber \(application.chamberID)")
        }
        guard chamber.settings.openApplications else { throw ChamberError(.applicationsClosed, "\(chamber.name) takes no applications now") }
        let at = now()
        application.checks = ApplicationChecks.run(application.steps, evidence: try await scope.applications.evidence(for: application))
        application.score = ApplicationChecks.score(application.checks)
        if application.status == .infoRequested {
            application.applicantResponse = try Validate.optionalText(response, field: "response", maxLength: 4000)
        } else if response != nil {
            throw ChamberError(.validationFailed, "response answers a request for information, and none was made", field: "response")
        }
        application.status = .submitted
        application.submittedAt = at
        application.updatedAt = at
        application = try await write(application)
        await scope.emit([.applied(application, at: at)], target: "application:\(application.id)", at: at)
        try await audit(application, actor: identity.user.id, "application.submitted", detail: "score \(application.score ?? 0)")
        if let threshold = chamber.settings.autoApproveScore, let score = application.score, score >= threshold,
            let director = try await director(of: chamber.id)
        {
            do {
                return try await approve(application, by: director, automatically: true)
            } catch let error as ChamberError where error.code == .applicationStateConflict || error.code == .alreadyMember {
                // Changed or joined meanwhile: the submission stands, for staff to decide.
                return application
            }
        }
        return application
    }

    public func withdraw(_ identity: Identity, id: ApplicationID) async throws -> MembershipApplication {
        var application = try await own(identity, id)
        try Self.require(.withdraw, on: application)
        application.status = .withdrawn
        application.updatedAt = now()
        application = try await write(application)
        try await audit(application, actor: identity.user.id, "application.withdrawn", detail: nil)
        return application
    }

    // MARK: Staff

    /// The review queue: applications in `status` (submitted when nil), oldest submission first. Only applications
    /// once submitted are staff's to see: a draft withdrawn before submission stays its applicant's.
    public func queue(_ access: ChamberAccess, status: ApplicationStatus?, page: PageRequest) async throws -> Page<MembershipApplication> {
        try access.require(.view, .application)
        if status == .draft { throw ChamberError(.validationFailed, "drafts are the applicants' own", field: "status") }
        return try await store.scoped(to: access.chamberID).applications.list(status: status ?? .submitted, page: page)
    }

    public func review(_ access: ChamberAccess, id: ApplicationID) async throws -> MembershipApplication {
        try access.require(.view, .application)
        guard let application = try await store.scoped(to: access.chamberID).applications.find(id: id), application.submittedAt != nil else {
            throw ChamberError(.applicationNotFound, "no application \(id) in this chamber's queue")
        }
        return application
    }

    public func decide(_ access: ChamberAccess, id: ApplicationID, _ decision: ApplicationDecision) async throws -> MembershipApplication {
        try access.require(.update, .application)
        var application = try await review(access, id: id)
        let at = now()
        switch decision {
        case .approve:
            try Self.require(.approve, on: application)
            return try await approve(application, by: access.identity.user, automatically: false)
        case .reject(let reason):
            try Self.require(.reject, on: application)
            application.status = .rejected
            application.decisionReason = try Validate.optionalText(reason, field: "reason", maxLength: 2000)
            guard application.decisionReason != nil else { throw ChamberError(.validationFailed, "reason is required", field: "reason") }
            application.decidedBy = access.userID
            application.decidedAt = at
            application.updatedAt = at
            application = try await write(application)
            try await audit(application, actor: access.userID, "application.rejected", detail: nil, reason: application.decisionReason)
            await tell(
                application, subject: "Your application",
                body: "Your application was not accepted.\n\nThe chamber's reason: \(application.decisionReason ?? "")")
        case .requestInfo(let message):
            try Self.require(.requestInfo, on: application)
            application.status = .infoRequested
            application.infoRequest = try Validate.optionalText(message, field: "message", maxLength: 4000)
            guard application.infoRequest != nil else { throw ChamberError(.validationFailed, "message is required", field: "message") }
            application.updatedAt = at
            application = try await write(application)
            try await audit(application, actor: access.userID, "application.info_requested", detail: application.infoRequest)
            await tell(
                application, subject: "More information needed for your application",
                body: "The chamber asks:\n\n\(application.infoRequest ?? "")\n\nAnswer in your application and submit it again.")
        }
        return application
    }

    // MARK: Approval

    private func approve(_ application: MembershipApplication, by director: User, automatically: Bool) async throws -> MembershipApplication {
        var approved = application
        let at = now()
        approved.status = .approved
        approved.decidedBy = automatically ? nil : director.id
        approved.decidedAt = at
        approved.updatedAt = at
        let steps = application.steps
        let business = Business(
            id: .generate(), chamberID: application.chamberID, ownerUserID: application.applicantID, legalName: steps.business?.legalName ?? "",
            displayName: steps.business?.dba, taxID: steps.tax?.ein, category: steps.contact?.category, address: steps.contact?.address ?? .init(),
            website: steps.online?.website, phone: steps.contact?.phone, email: steps.contact?.email, socialLinks: steps.online?.socialLinks ?? [:],
            description: steps.online?.description, logoURL: steps.online?.logoURL, createdAt: at)
        approved.businessID = business.id
        guard let chamber = try await store.chambers.find(id: application.chamberID), let tierID = steps.membership?.tierID else {
            throw ChamberError(.applicationIncomplete, "the application names no tier", field: "membership")
        }
        let membership = Membership(
            chamberID: application.chamberID, userID: application.applicantID, role: .member, joinedAt: at,
            standing: MembershipStandingService.opening(policy: chamber.settings.membership, tierID: tierID, businessID: business.id, at: at))
        guard
            try await store.scoped(to: application.chamberID).applications.approve(approved, membership: membership, business: business)
        else {
            throw ChamberError(.applicationStateConflict, "the application changed meanwhile; load it again")
        }
        approved.revision += 1
        // First, before anything that may throw: the approval has committed, and its event must go out.
        await store.scoped(to: application.chamberID).emit(
            [.approved(approved, automatically: automatically, at: at)], target: "application:\(approved.id)", at: at)
        try await audit(
            approved, actor: approved.decidedBy, automatically ? "application.auto_approved" : "application.approved",
            detail: "score \(approved.score ?? 0); business \(business.id)")
        do {
            try await welcome(approved, director: director, listed: membership.standing?.status.allows(.directoryListing) ?? true)
        } catch {
            // The member is in: a welcome that could not be written is recorded, not a failed approval.
            try? await audit(approved, actor: approved.decidedBy, "application.welcome_failed", detail: "\(error)")
        }
        return approved
    }

    /// The mail, then the direct channel with the membership director and a welcome in it. A director who is no
    /// member of the chamber (a platform admin) hands the welcome to one who is. `listed`: whether the new standing
    /// lists the business already (a member pending the first dues is listed once they are paid).
    private func welcome(_ application: MembershipApplication, director approver: User, listed: Bool) async throws {
        guard let chamber = try await store.chambers.find(id: application.chamberID) else { return }
        let scope = store.scoped(to: chamber.id)
        var director = approver
        if try await scope.members.find(userID: approver.id) == nil, let member = try await self.director(of: chamber.id) { director = member }
        await tell(
            application, subject: "Welcome to \(chamber.name)",
            body: "Your application was approved: you are a member of \(chamber.name), and your business "
                + (listed ? "is in the directory." : "will be in the directory once your first dues are paid.") + "\n\n"
                + "\(director.displayName) wrote to you in the app.")
        guard let role = try await scope.members.find(userID: director.id)?.membership.role else { return }
        let access = ChamberAccess(
            identity: Identity(user: director, sessionID: SessionID("membership-welcome")), chamberID: chamber.id, role: role, viaPlatformAdmin: false
        )
        let channel = try await chat.openDirect(access, with: application.applicantID)
        _ = try await chat.send(
            access, channelID: channel.id,
            draft: MessageDraft(
                clientMessageID: "welcome-\(application.id)",
                body: "Welcome to \(chamber.name)! I'm \(director.displayName), your membership contact. Ask me anything here."))
    }

    // MARK: Support

    func own(_ identity: Identity, _ id: ApplicationID) async throws -> MembershipApplication {
        guard let application = try await store.applications.find(id: id), application.applicantID == identity.user.id else {
            throw ChamberError(.applicationNotFound, "no application \(id) of yours")
        }
        return application
    }

    static func require(_ action: ApplicationAction, on application: MembershipApplication) throws(ChamberError) {
        guard application.status.allows(action) else {
            throw ChamberError(
                .applicationStateConflict, "an application that is \(application.status.rawValue) cannot be \(action.pastTense)")
        }
    }

    func write(_ application: MembershipApplication) async throws -> MembershipApplication {
        guard try await store.scoped(to: application.chamberID).applications.update(application) else {
            throw ChamberError(.applicationStateConflict, "the application changed meanwhile; load it again")
        }
        var written = application
        written.revision += 1
        return written
    }

    /// Who welcomes automatically approved members: an admin of the chamber, or staff when it has none.
    private func director(of chamberID: ChamberID) async throws -> User? {
        let scope = store.scoped(to: chamberID)
        for role in [Role.admin, .staff] {
            for userID in try await scope.members.userIDs(withRoles: [role]).sorted() {
                if let user = try await store.users.find(id: userID) { return user }
            }
        }
        return nil
    }

    /// Mails the applicant, unless their (or, before they joined, the chamber's) e-mail level for membership is
    /// `none`. Called after the decision is stored, so a mail that cannot be queued is recorded in the audit log
    /// rather than failing what was done.
    private func tell(_ application: MembershipApplication, subject: String, body: String) async {
        do {
            guard let user = try await store.users.find(id: application.applicantID),
                try await store.scoped(to: application.chamberID).wantsEmail(.membership, user: user.id)
            else { return }
            let chamber = try await store.chambers.find(id: application.chamberID)
            try await mailer.send(Mail(kind: .membership, to: user.email, subject: "\(chamber?.name ?? "Chamber"): \(subject)", body: body))
        } catch {
            try? await audit(application, actor: nil, "application.mail_failed", detail: "\(subject): \(error)")
        }
    }

    private func audit(
        _ application: MembershipApplication, actor: UserID?, _ action: String, detail: String?, reason: String? = nil
    )
        async throws
    {
        try await store.scoped(to: application.chamberID).auditLog.append(
            AuditEntry(
                chamberID: application.chamberID, actorID: actor, action: action, target: "application:\(application.id)", detail: detail,
                reason: reason, at: now()))
    }
}

extension ApplicationAction {
    var pastTense: String {
        switch self {
        case .editStep: "edited"
        case .submit: "submitted"
        case .withdraw: "withdrawn"
        case .requestInfo: "sent back for information"
        case .approve: "approved"
        case .reject: "rejected"
        }
    }
}
