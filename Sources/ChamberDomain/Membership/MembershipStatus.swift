import Foundation

/// Where a member business stands with the chamber through the year.
///
/// Dates and dues move a standing between the first five (``MembershipStanding/due(at:graceDays:)``); staff alone
/// suspend, cancel and reinstate.
public enum MembershipStatus: String, Sendable, Codable, CaseIterable {
    /// Approved, first dues not paid yet, no trial.
    case pending
    /// Approved into a free trial that has not ended.
    case trial
    /// Dues paid through a date still to come.
    case active
    /// Dues owed, within the chamber's grace days.
    case grace
    /// Dues owed past the grace days.
    case lapsed
    /// Put on hold by staff, whatever the dues.
    case suspended
    /// Ended by staff or at the member's request.
    case cancelled

    /// Staff set these; the standing job leaves them alone.
    public var isSetByStaff: Bool { self == .suspended || self == .cancelled }

    /// What a member in this standing may do. The table is the rule: chat stays open while dues are merely owed
    /// (pending, grace), so the member can talk to the chamber about them; the directory and member prices are for
    /// members in good standing.
    public func allows(_ privilege: MemberPrivilege) -> Bool {
        switch (self, privilege) {
        case (.pending, .chat), (.trial, _), (.active, _), (.grace, _): true
        case (.pending, _), (.lapsed, _), (.suspended, _), (.cancelled, _): false
        }
    }
}

/// What a membership's standing decides.
public enum MemberPrivilege: String, Sendable, CaseIterable {
    /// Posting messages in the chamber's channels.
    case chat
    /// The business appearing in the directory.
    case directoryListing
    /// Member prices for events.
    case memberPrices

    var phrase: String {
        switch self {
        case .chat: "post messages"
        case .directoryListing: "be listed in the directory"
        case .memberPrices: "get member prices"
        }
    }
}
