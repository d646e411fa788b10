import Foundation

/// The reminders of an open invoice, in the order they go out; each is sent once (``Invoice/remindersSent`` holds
/// the last one's raw value).
public enum InvoiceReminder: Int, Sendable, Comparable, CustomStringConvertible {
    /// A week before the due date.
    case dueSoon = 1
    /// On the due date, with something still owed.
    case overdue = 2
    /// The chamber's late fee added, ``MembershipPolicy/lateFeeAfterDays`` after the due date.
    case lateFee = 3

    /// Days before the due date the first reminder goes.
    public static let daysBefore = 7

    /// The latest reminder an invoice due at `dueAt` has reached at `at`; nil before the first. A chamber without a
    /// late fee (`lateFeeMinor` 0) stops at ``overdue``.
    public static func due(dueAt: Date, at: Date, lateFeeMinor: Int64, lateFeeAfterDays: Int) -> InvoiceReminder? {
        if lateFeeMinor > 0, at >= DuesCalendar.adding(days: lateFeeAfterDays, to: dueAt) { return .lateFee }
        if at >= dueAt { return .overdue }
        if at >= DuesCalendar.adding(days: -daysBefore, to: dueAt) { return .dueSoon }
        return nil
    }

    public static func < (lhs: InvoiceReminder, rhs: InvoiceReminder) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .dueSoon: "due_soon"
        case .overdue: "overdue"
        case .lateFee: "late_fee"
        }
    }
}
