import ChamberDomain
import ChamberTestSupport
import Foundation
import HTTPTypes
import Testing

/// Paid event registrations through billing: each awaiting payment has its invoice, paying it (on the invoice or the
/// registration) confirms the registration once, an unpaid one's invoice is voided at the deadline, and cancelling
/// (the registrant, staff, or the whole event) refunds what was paid; the ledger balances after all of it.
@Suite("REST: event registrations billed by invoices")
struct EventBillingTests {
    @Test(
        "billed on registering, confirmed by paying the invoice, refunded on cancelling, voided when unpaid at the deadline",
        arguments: TestBackend.enabled)
    func registrationInvoices(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let chamber = try await EventTests.chamber(api, members: 3)
            let (ann, bob, cy) = (chamber.members[0], chamber.members[1], chamber.members[2])
            let (id, tickets) = try await EventTests.event(
                api, chamber, capacity: 10, tickets: [["name": "Dinner", "price_cents": 2_500]], extra: ["cancellation_cutoff_hours": 24])
            let staff = chamber.staff.accessToken

            // Ann registers with a guest: pending, with an open invoice for both seats, due when her time runs out.
            let anns = try await EventTests.register(api, chamber, ann, event: id, ticket: tickets[0], guests: ["Dora"], key: "ann-dinner")
            #expect(anns.json["status"].string == "pending_payment" && anns.json["amount_cents"].int == 5_000, "\(anns.json)")
            let annsInvoice = anns.json["invoice_id"].string ?? ""
            let invoice = try await api.call(.get, "\(chamber.path)/invoices/\(annsInvoice)", token: ann.accessToken)
            #expect(invoice.json["status"].string == "open" && invoice.json["amount_due_minor"].int == 5_000, "\(invoice.json)")
            #expect(invoice.json["registration_id"] == anns.json["id"] && invoice.json["due_at"] == anns.json["payment_due_at"], "\(invoice.json)")
            #expect(invoice.json["lines"][0]["description"].string?.contains("Dinner and 1 guest(s)") == true, "\(invoice.json)")
            // A retry bills nothing twice.
            let retried = try await EventTests.register(api, chamber, ann, event: id, ticket: tickets[0], guests: ["Dora"], key: "ann-dinner")
            #expect(retried.json["invoice_id"].string == annsInvoice)
            #expect(try await api.call(.get, "\(chamber.path)/invoices", token: ann.accessToken).json["items"].array.count == 1)

            // Paying the invoice confirms the registration.
            let paid = try await api.call(
                .post, "\(chamber.path)/invoices/\(annsInvoice)/payments", token: staff,
                json: ["amount_minor": 5_000, "method": "cheque", "reference": "cheque 7"],
                headers: BillingTests.key("ann-cheque"))
            #expect(paid.json["status"].string == "paid", "\(paid.json)")
            let confirmed = try await api.call(.get, "\(chamber.path)/events/\(id)/registrations/mine", token: ann.accessToken)
            #expect(confirmed.json["status"].string == "confirmed" && confirmed.json["payment_reference"].string == "cheque 7", "\(confirmed.json)")

            // Bob pays at the desk through his registration: a ledger entry on his invoice, once however often asked.
            let bobs = try await EventTests.register(api, chamber, bob, event: id, ticket: tickets[0])
            let desk = "\(chamber.path)/registrations/\(bobs.json["id"].string ?? "")/payment"
            let bobPaid = try await api.call(.post, desk, token: staff, json: ["method": "bank_transfer", "reference": "ACH 9"])
            #expect(bobPaid.json["status"].string == "confirmed" && bobPaid.json["invoice_id"] == bobs.json["invoice_id"], "\(bobPaid.json)")
            #expect(try await api.call(.post, desk, token: staff, json: ["method": "cash"]).errorCode == "registration_state_conflict")
            let bobsInvoice = try await api.call(.get, "\(chamber.path)/invoices/\(bobs.json["invoice_id"].string ?? "")", token: bob.accessToken)
            let bobsPayments = bobsInvoice.json["entries"].array.filter { $0["kind"].string == "payment_succeeded" }
            #expect(
                bobsPayments.map { $0["method"].string } == ["bank_transfer"] && bobsInvoice.json["status"].string == "paid", "\(bobsInvoice.json)")
            #expect(try await api.call(.post, desk, token: staff, json: ["method": "bitcoin"]).errorCode == "validation_failed")

            // Ann cancels before the cut-off: refunded in full, her invoice still paid, nothing owed.
            #expect(
                try await api.call(.post, "\(chamber.path)/registrations/\(anns.json["id"].string ?? "")/cancel", token: ann.accessToken).status
                    == .ok)
            let refunded = try await api.call(.get, "\(chamber.path)/invoices/\(annsInvoice)", token: ann.accessToken)
            #expect(refunded.json["refunded_minor"].int == 5_000 && refunded.json["paid_minor"].int == 0, "\(refunded.json)")
            #expect(
                refunded.json["entries"].array.map { $0["kind"].string } == ["invoice_issued", "payment_succeeded", "refund", "credit"],
                "\(refunded.json)")

            // Cy never pays: at the deadline the registration expires and the invoice is voided; paying it then is refused.
            let cys = try await EventTests.register(api, chamber, cy, event: id, ticket: tickets[0])
            let due = try Date(cys.json["payment_due_at"].string ?? "", strategy: .iso8601)
            try await EventTests.Upkeep(api).run(chamber, event: id, at: due.addingTimeInterval(1))
            let voided = try await api.call(.get, "\(chamber.path)/invoices/\(cys.json["invoice_id"].string ?? "")", token: cy.accessToken)
            #expect(voided.json["status"].string == "void" && voided.json["amount_due_minor"].int == 0, "\(voided.json)")
            #expect(
                try await api.call(
                    .post, "\(chamber.path)/invoices/\(cys.json["invoice_id"].string ?? "")/payments", token: staff,
                    json: ["amount_minor": 2_500, "method": "cash"], headers: BillingTests.key("cy-late")
                ).errorCode == "invoice_state_conflict")

            // The event is cancelled: Bob's payment comes back.
            #expect(try await api.call(.post, "\(chamber.path)/events/\(id)/cancel", token: staff, json: ["reason": "The chef left."]).status == .ok)
            let bobsAfter = try await api.call(.get, "\(chamber.path)/invoices/\(bobs.json["invoice_id"].string ?? "")", token: bob.accessToken)
            #expect(bobsAfter.json["refunded_minor"].int == 2_500 && bobsAfter.json["amount_due_minor"].int == 0, "\(bobsAfter.json)")

            let check = try await api.call(.get, "\(chamber.path)/billing/ledger-check", token: staff)
            #expect(check.json["balanced"].bool == true && check.json["invoices_checked"].int == 3, "\(check.json)")
        }
    }

    @Test("a ticket change of an unpaid registration voids its invoice and bills the new price", arguments: TestBackend.enabled)
    func ticketChange(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let chamber = try await EventTests.chamber(api, members: 1)
            let ann = chamber.members[0]
            let (id, tickets) = try await EventTests.event(
                api, chamber, capacity: nil, tickets: [["name": "Standard", "price_cents": 3_000], ["name": "VIP", "price_cents": 9_000]])
            let first = try await EventTests.register(api, chamber, ann, event: id, ticket: tickets[0])
            let moved = try await api.call(
                .post, "\(chamber.path)/registrations/\(first.json["id"].string ?? "")/ticket-type", token: ann.accessToken,
                json: ["ticket_type_id": tickets[1]])
            #expect(moved.json["amount_cents"].int == 9_000 && moved.json["invoice_id"].string != first.json["invoice_id"].string, "\(moved.json)")
            let old = try await api.call(.get, "\(chamber.path)/invoices/\(first.json["invoice_id"].string ?? "")", token: ann.accessToken)
            let new = try await api.call(.get, "\(chamber.path)/invoices/\(moved.json["invoice_id"].string ?? "")", token: ann.accessToken)
            #expect(old.json["status"].string == "void" && new.json["amount_due_minor"].int == 9_000, "\(old.json) \(new.json)")
        }
    }
}
