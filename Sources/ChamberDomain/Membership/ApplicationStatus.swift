import Foundation

/// Where an application is. `approved`, `rejected` and `withdrawn` are final.
public enum ApplicationStatus: String, Sendable, Codable, CaseIterable {
    /// Being filled in; nobody but the applicant sees it.
    case draft
    /// In the chamber's review queue.
    case submitted
    /// Staff asked for more; the applicant edits and submits again.
    case infoRequested = "info_requested"
    case approved, rejected, withdrawn

    /// Whether `action` may be taken on an application in this status: the rule every route obeys.
    public func allows(_ action: ApplicationAction) -> Bool {
        switch (self, action) {
        case (.draft, .editStep), (.draft, .submit), (.draft, .withdraw): true
        case (.infoRequested, .editStep), (.infoRequested, .submit), (.infoRequested, .withdraw): true
        case (.infoRequested, .approve), (.infoRequested, .reject): true
        case (.submitted, .withdraw), (.submitted, .requestInfo), (.submitted, .approve), (.submitted, .reject): true
        default: false
        }
    }

    public var isFinal: Bool { self == .approved || self == .rejected || self == .withdrawn }
}

/// What can be done to an application: by its applicant (edit a step, submit, withdraw) or by staff (the rest).
public enum ApplicationAction: String, Sendable, CaseIterable {
    case editStep = "edit_step"
    case submit, withdraw
    case requestInfo = "request_info"
    case approve, reject
}
