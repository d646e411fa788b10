import ChamberDomain
import ChamberRealtime
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Events: staff draft, publish and cancel them (`/v1/chambers/{chamberId}/events…`), members register, wait and
/// cancel, staff run the door; the chamber's public calendar as iCalendar (`/v1/public/chambers/{slug}/events.ics`).
struct EventRoutes {
    let services: ChamberServices
    let events: EventServices

    func register(on router: Router<AppRequestContext>) {
        let (catalogue, registrations, door, reports, chambers) = (
            events.events, events.registrations, events.door, events.reports, services.chambers
        )

        router.get("v1/public/chambers/{slug}/events.ics") { _, context -> Response in
            let (chamber, list) = try await catalogue.publicEvents(slug: context.parameters.get("slug") ?? "")
            return Self.calendar(
                ICalendar.calendar(name: "\(chamber.name) events", entries: list.map { ICalendar.Entry(event: $0) }, stamp: Date()),
                file: "\(chamber.slug)-events.ics", cache: "public, max-age=300")
        }

        let chamber = router.group("v1/chambers/{chamberId}").add(middleware: ChamberAccessMiddleware(services: services))
        @Sendable func currency(_ access: ChamberAccess) async throws -> String { try await chambers.chamber(access).settings.currency }
        @Sendable func body(_ registration: Registration) -> RegistrationBody {
            RegistrationBody(registration, code: registrations.checkInCode(registration))
        }

        chamber.get("events") { request, context in
            let access = try context.access()
            let past = request.uri.queryParameters.get("include_past") == "true"
            let page = try await catalogue.list(access, includingPast: past, page: try request.page())
            let currency = try await currency(access)
            return JSONResponse(.ok, PageBody(page) { EventBody($0, currency: currency) })
        }
        chamber.post("events") { request, context in
            let access = try context.access()
            let json = try await APIJSON.decode(JSONValue.self, from: request, context: context)
            let parsed = try EventRequest(json, creating: true)
            let detail = try await catalogue.create(access, input: parsed.input, ticketTypes: parsed.ticketTypes)
            return JSONResponse(.created, EventBody(detail.event, currency: try await currency(access), ticketTypes: detail.ticketTypes))
        }
        chamber.get("events/{eventId}") { request, context in
            let access = try context.access()
            let detail = try await catalogue.get(access, id: try request.id("eventId", context: context))
            return JSONResponse(.ok, EventBody(detail.event, currency: try await currency(access), ticketTypes: detail.ticketTypes))
        }
        chamber.patch("events/{eventId}") { request, context in
            let access = try context.access()
            let id: EventID = try request.id("eventId", context: context)
            // A path that names nothing answers 404 whatever its body says.
            _ = try await catalogue.get(access, id: id)
            let json = try await APIJSON.decode(JSONValue.self, from: request, context: context)
            let event = try await catalogue.update(access, id: id, input: try EventRequest(json, creating: false).input)
            return JSONResponse(
                .ok, EventBody(event, currency: try await currency(access), ticketTypes: try await catalogue.get(access, id: id).ticketTypes))
        }
        chamber.post("events/{eventId}/publish") { request, context in
            let access = try context.access()
            let event = try await catalogue.publish(access, id: try request.id("eventId", context: context))
            return JSONResponse(.ok, EventBody(event, currency: try await currency(access)))
        }
        chamber.post("events/{eventId}/cancel") { request, context in
            let access = try context.access()
            let reason = try await APIJSON.decodeIfPresent(CancelEventRequest.self, from: request, context: context)?.reason
            let event = try await catalogue.cancel(access, id: try request.id("eventId", context: context), reason: reason)
            return JSONResponse(.ok, EventBody(event, currency: try await currency(access)))
        }
        chamber.post("events/{eventId}/ticket-types") { request, context in
            let access = try context.access()
            _ = try await catalogue.get(access, id: try request.id("eventId", context: context))
            let json = try await APIJSON.decode(JSONValue.self, from: request, context: context)
            let ticket = try await catalogue.addTicketType(
                access, eventID: try request.id("eventId", context: context),
                input: try TicketTypeRequest(StrictObject(json, at: ""), creating: true).input)
            return JSONResponse(.created, TicketTypeBody(ticket, currency: try await currency(access)))
        }
        chamber.patch("events/{eventId}/ticket-types/{ticketTypeId}") { request, context in
            let access = try context.access()
            let ticketTypeID: TicketTypeID = try request.id("ticketTypeId", context: context)
            guard
                try await catalogue.get(access, id: try request.id("eventId", context: context)).ticketTypes.contains(where: { $0.id == ticketTypeID }
                )
            else { throw ChamberError(.ticketTypeNotFound, "no ticket type \(ticketTypeID) for this event") }
            let json = try await APIJSON.decode(JSONValue.self, from: request, context: context)
            let ticket = try await catalogue.updateTicketType(
                access, eventID: try request.id("eventId", context: context), id: try request.id("ticketTypeId", context: context),
                input: try TicketTypeRequest(StrictObject(json, at: ""), creating: false).input)
            return JSONResponse(.ok, TicketTypeBody(ticket, currency: try await currency(access)))
        }

        chamber.get("events/{eventId}/discount-codes") { request, context in
            let codes = try await catalogue.discountCodes(try context.access(), eventID: try request.id("eventId", context: context))
            return JSONResponse(.ok, ListBody(items: codes.map(DiscountCodeBody.init)))
        }
        chamber.post("events/{eventId}/discount-codes") { request, context in
            let access = try context.access()
            let eventID: EventID = try request.id("eventId", context: context)
            _ = try await catalogue.get(access, id: eventID)
            let json = try await APIJSON.decode(JSONValue.self, from: request, context: context)
            let code = try await catalogue.addDiscountCode(access, eventID: eventID, input: try DiscountCodeRequest(json, creating: true).input)
            return JSONResponse(.created, DiscountCodeBody(code))
        }
        chamber.patch("events/{eventId}/discount-codes/{discountCodeId}") { request, context in
            let access = try context.access()
            let eventID: EventID = try request.id("eventId", context: context)
            let id: DiscountCodeID = try request.id("discountCodeId", context: context)
            guard try await catalogue.discountCodes(access, eventID: eventID).contains(where: { $0.id == id }) else {
                throw ChamberError(.notFound, "no discount code \(id) for this event")
            }
            let json = try await APIJSON.decode(JSONValue.self, from: request, context: context)
            let code = try await catalogue.updateDiscountCode(
                access, eventID: eventID, id: id, input: try DiscountCodeRequest(json, creating: false).input)
            return JSONResponse(.ok, DiscountCodeBody(code))
        }

        // Registrations
        chamber.post("events/{eventId}/registrations") { request, context in
            let access = try context.access()
            let json = try await APIJSON.decode(EventRegistrationRequest.self, from: request, context: context)
            let (registration, created) = try await registrations.register(
                access, eventID: try request.id("eventId", context: context),
                .init(
                    ticketTypeID: try Validate.identifier(json.ticketTypeId, as: TicketTypeID.self, field: "ticket_type_id"),
                    guests: json.guests ?? [], waitlist: json.waitlist ?? false, idempotencyKey: request.headers[HTTPField.Name("Idempotency-Key")!],
                    discountCode: json.discountCode))
            return JSONResponse(created ? .created : .ok, body(registration))
        }
        chamber.get("events/{eventId}/registrations") { request, context in
            let access = try context.access()
            var status: RegistrationStatus?
            if let raw = request.uri.queryParameters.get("status") {
                guard let parsed = RegistrationStatus(rawValue: String(raw)) else {
                    throw ChamberError(
                        .validationFailed, "status is one of \(RegistrationStatus.allCases.map(\.rawValue).joined(separator: ", "))", field: "status")
                }
                status = parsed
            }
            let page = try await registrations.list(
                access, eventID: try request.id("eventId", context: context), status: status,
                name: request.uri.queryParameters.get("q").map { String($0) }, page: try request.page())
            return JSONResponse(.ok, PageBody(page) { body($0) })
        }
        chamber.get("events/{eventId}/registrations/mine") { request, context in
            JSONResponse(.ok, body(try await registrations.mine(try context.access(), eventID: try request.id("eventId", context: context))))
        }
        chamber.get("registrations/mine") { _, context in
            JSONResponse(.ok, ListBody(items: try await registrations.allMine(try context.access()).map { body($0) }))
        }
        chamber.get("registrations/{registrationId}") { request, context in
            JSONResponse(.ok, body(try await registrations.get(try context.access(), id: try request.id("registrationId", context: context))))
        }
        chamber.post("registrations/{registrationId}/cancel") { request, context in
            JSONResponse(.ok, body(try await registrations.cancel(try context.access(), id: try request.id("registrationId", context: context))))
        }
        chamber.post("registrations/{registrationId}/accept") { request, context in
            JSONResponse(.ok, body(try await registrations.accept(try context.access(), id: try request.id("registrationId", context: context))))
        }
        chamber.post("registrations/{registrationId}/ticket-type") { request, context in
            let access = try context.access()
            let id: RegistrationID = try request.id("registrationId", context: context)
            _ = try await registrations.get(access, id: id)
            let json = try await APIJSON.decode(ChangeTicketTypeRequest.self, from: request, context: context)
            let ticket = try Validate.identifier(json.ticketTypeId, as: TicketTypeID.self, field: "ticket_type_id")
            return JSONResponse(.ok, body(try await registrations.changeTicketType(access, id: id, to: ticket)))
        }
        chamber.post("registrations/{registrationId}/payment") { request, context in
            let payment = try await APIJSON.decodeIfPresent(RecordPaymentRequest.self, from: request, context: context)
            return JSONResponse(
                .ok,
                body(
                    try await registrations.recordPayment(
                        try context.access(), id: try request.id("registrationId", context: context), method: try payment?.paymentMethod() ?? .cash,
                        reference: payment?.reference)))
        }
        chamber.get("registrations/{registrationId}/calendar.ics") { request, context -> Response in
            let access = try context.access()
            let registration = try await registrations.get(access, id: try request.id("registrationId", context: context))
            let event = try await catalogue.get(access, id: registration.eventID).event
            let note = "Your check-in code: \(registrations.checkInCode(registration))"
            return Self.calendar(
                ICalendar.calendar(name: event.title, entries: [ICalendar.Entry(event: event, note: note)], stamp: Date()),
                file: "event-\(event.id.rawValue).ics", cache: "private, no-store")
        }

        // The door
        chamber.post("events/{eventId}/check-ins") { request, context in
            let access = try context.access()
            let json = try await APIJSON.decode(CheckInRequest.self, from: request, context: context)
            let arrival: DoorService.Arrival
            switch (json.code, json.registrationId) {
            case (let code?, nil): arrival = .code(code)
            case (nil, let id?): arrival = .registration(try Validate.identifier(id, as: RegistrationID.self, field: "registration_id"))
            default: throw ChamberError(.validationFailed, "send one of code or registration_id", field: "code")
            }
            let registration = try await door.checkIn(access, eventID: try request.id("eventId", context: context), arrival)
            return JSONResponse(.ok, body(registration))
        }
        chamber.post("events/{eventId}/walk-ins") { request, context in
            let access = try context.access()
            _ = try await catalogue.get(access, id: try request.id("eventId", context: context))
            let json = try await APIJSON.decode(WalkInRequest.self, from: request, context: context)
            let (registration, created) = try await door.walkIn(
                access, eventID: try request.id("eventId", context: context), name: json.name,
                ticketTypeID: try json.ticketTypeId.map { raw throws(ChamberError) in
                    try Validate.identifier(raw, as: TicketTypeID.self, field: "ticket_type_id")
                },
                guests: json.guests ?? [], idempotencyKey: request.headers[HTTPField.Name("Idempotency-Key")!])
            return JSONResponse(created ? .created : .ok, body(registration))
        }
        chamber.get("events/{eventId}/report") { request, context in
            let access = try context.access()
            let (event, report) = try await reports.report(access, eventID: try request.id("eventId", context: context))
            return JSONResponse(.ok, EventReportBody(event, report, currency: try await currency(access)))
        }
        chamber.get("events/{eventId}/exports/registrations") { request, context -> Response in
            let access = try context.access()
            let format = try TableDownload.format(request)
            let (event, rows) = try await reports.export(access, eventID: try request.id("eventId", context: context))
            return try TableDownload.response(rows, format: format, name: "registrations-\(event.id.rawValue)")
        }
        chamber.get("events/{eventId}/attendance") { request, context in
            let (event, attendance) = try await door.attendance(try context.access(), eventID: try request.id("eventId", context: context))
            return JSONResponse(.ok, WireEventAttendance(event, attendance, now: Date()))
        }
    }

    private static func calendar(_ text: String, file: String, cache: String) -> Response {
        Attachment.response(ByteBuffer(string: text), type: "text/calendar; charset=utf-8", filename: file, cacheControl: cache)
    }
}
