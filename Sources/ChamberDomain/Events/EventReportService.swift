import Foundation

/// An event's figures for staff: the report (registrations over time, attendance, revenue by ticket type) and the
/// registrations as rows to export.
public final class EventReportService: Sendable {
    private let store: any Store
    private let events: EventService
    private let now: @Sendable () -> Date

    public init(store: any Store, events: EventService, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.events = events
        self.now = now
    }

    public func report(_ access: ChamberAccess, eventID: EventID) async throws -> (event: Event, report: EventReport) {
        try access.require(.update, .event)
        let detail = try await events.get(access, id: eventID)
        let scope = store.scoped(to: access.chamberID)
        let registrations = try await Page.collect { try await scope.events.registrations(of: eventID, status: nil, name: nil, page: $0) }
        return (detail.event, EventReport.make(detail.event, tickets: detail.ticketTypes, registrations: registrations, at: now()))
    }

    /// Every registration as a row (the first row names the columns), with the registrant's e-mail.
    public func export(_ access: ChamberAccess, eventID: EventID) async throws -> (event: Event, rows: [[String]]) {
        try access.require(.update, .event)
        let detail = try await events.get(access, id: eventID)
        let roster = try await store.scoped(to: access.chamberID).events.roster(of: eventID)
        return (detail.event, EventReport.exportRows(roster, tickets: detail.ticketTypes))
    }
}
