import ChamberDomain
import ChamberTestSupport
import Foundation
import HTTPTypes
import Testing

/// Billing through the REST API as staff and members meet it: drafts, issuing in order, payments taken outside the
/// server with idempotency keys, refunds, voids and write-offs, members reading their own invoices, concurrent
/// payments that never overpay, and the ledger check after all of it.
@Suite("REST: invoices, payments, refunds and the ledger")
struct BillingTests {
    static func key(_ value: String) -> HTTPFields { [HTTPField.Name("Idempotency-Key")!: value] }

    /// A draft of `lines` (description, quantity, unit amount) to `member`, issued unless asked not to.
    static func invoice(
        _ api: TestAPI, _ chamber: EventTests.Chamber, to member: Account, lines: [(String, Int, Int)] = [("Annual dues, Gold", 1, 25_000)],
        issue: Bool = true
    ) async throws -> JSON {
        let created = try await api.call(
            .post, "\(chamber.path)/invoices", token: chamber.staff.accessToken,
            json: ["user_id": member.userID, "lines": lines.map { ["description": $0.0, "quantity": $0.1, "unit_amount_minor": $0.2] }])
        #expect(created.status == .created, "\(created.json)")
        guard issue else { return created.json }
        let issued = try await api.call(.post, "\(chamber.path)/invoices/\(created.json["id"].string ?? "")/issue", token: chamber.staff.accessToken)
        #expect(issued.status == .ok, "\(issued.json)")
        return issued.json
    }

    @Test(
        "a draft, issued in order, paid in part and in full by key, a retry recording nothing, refunded in part; the ledger balances",
        arguments: TestBackend.enabled)
    func lifecycle(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let chamber = try await EventTests.chamber(api, members: 2)
            let (ann, bob) = (chamber.members[0], chamber.members[1])
            let invoices = "\(chamber.path)/invoices"
            #expect(
                try await api.call(.post, invoices, token: ann.accessToken, json: ["user_id": ann.userID, "lines": []]).status == .forbidden,
                "members do not bill")
            let draft = try await Self.invoice(
                api, chamber, to: ann, lines: [("Annual dues, Gold", 1, 25_000), ("Gala table", 2, 7_550)], issue: false)
            let id = draft["id"].string ?? ""
            #expect(draft["status"].string == "draft" && draft["currency"].string == "USD" && draft["total_minor"].int == 40_100, "\(draft)")
            #expect(draft["amount_due_minor"].int == 0 && draft["number"].isNull && draft["entries"].array.isEmpty, "\(draft)")
            let changed = try await api.call(
                .patch, "\(invoices)/\(id)", token: chamber.staff.accessToken,
                json: ["lines": [["description": "Annual dues, Gold", "unit_amount_minor": 25_000]], "memo": "Thank you!", "due_days": 14])
            #expect(changed.json["total_minor"].int == 25_000 && changed.json["memo"].string == "Thank you!", "\(changed.json)")
            #expect(
                try await api.call(
                    .post, "\(invoices)/\(id)/payments", token: chamber.staff.accessToken, json: ["amount_minor": 100, "method": "cash"],
                    headers: Self.key("early")
                )
                .errorCode == "invoice_state_conflict", "a draft is not paid")

            let issued = try await api.call(.post, "\(invoices)/\(id)/issue", token: chamber.staff.accessToken)
            #expect(issued.json["status"].string == "open" && issued.json["number"].string == "INV-000001", "\(issued.json)")
            #expect(issued.json["amount_due_minor"].int == 25_000 && issued.json["overdue"].bool == false, "\(issued.json)")
            #expect(issued.json["entries"].array.map { $0["kind"].string } == ["invoice_issued"], "\(issued.json)")
            #expect(
                try await api.call(.patch, "\(invoices)/\(id)", token: chamber.staff.accessToken, json: ["memo": "x"]).errorCode
                    == "invoice_state_conflict")
            // The next invoice is numbered after it.
            let second = try await Self.invoice(api, chamber, to: bob)
            #expect(second["number"].string == "INV-000002", "\(second)")

            // Payments need a key; a retry records nothing; the key with another body is refused.
            let payments = "\(invoices)/\(id)/payments"
            let cheque: [String: Any] = ["amount_minor": 10_000, "method": "cheque", "reference": "1042"]
            #expect(try await api.call(.post, payments, token: chamber.staff.accessToken, json: cheque).errorCode == "validation_failed")
            let paid = try await api.call(.post, payments, token: chamber.staff.accessToken, json: cheque, headers: Self.key("cheque-1042"))
            #expect(paid.status == .ok && paid.json["amount_due_minor"].int == 15_000 && paid.json["status"].string == "open", "\(paid.json)")
            let retried = try await api.call(.post, payments, token: chamber.staff.accessToken, json: cheque, headers: Self.key("cheque-1042"))
            #expect(
                retried.status == .ok && retried.json["amount_due_minor"].int == 15_000 && retried.json["entries"].array.count == 2, "\(retried.json)"
            )
            var other = cheque
            other["amount_minor"] = 9_000
            #expect(
                try await api.call(.post, payments, token: chamber.staff.accessToken, json: other, headers: Self.key("cheque-1042")).errorCode
                    == "idempotency_key_reused")
            #expect(
                try await api.call(
                    .post, payments, token: chamber.staff.accessToken, json: ["amount_minor": 15_001, "method": "cash"], headers: Self.key("too-much")
                ).errorCode == "payment_exceeds_balance")
            #expect(
                try await api.call(
                    .post, payments, token: chamber.staff.accessToken, raw: #"{"amount_minor": 150.5, "method": "cash"}"#, headers: Self.key("float")
                ).errorCode == "validation_failed", "no fractions of a minor unit")
            #expect(
                try await api.call(
                    .post, payments, token: chamber.staff.accessToken, json: ["amount_minor": 100, "method": "bitcoin"], headers: Self.key("coin")
                ).errorCode == "validation_failed")
            let settled = try await api.call(
                .post, payments, token: chamber.staff.accessToken, json: ["amount_minor": 15_000, "method": "bank_transfer", "reference": "ACH 77"],
                headers: Self.key("ach-77"))
            #expect(settled.json["status"].string == "paid" && settled.json["paid_at"].string != nil, "\(settled.json)")

            // A refund: money back and a credit note; still paid, nothing owed.
            let refunds = "\(invoices)/\(id)/refunds"
            let refunded = try await api.call(
                .post, refunds, token: chamber.staff.accessToken, json: ["amount_minor": 5_000, "reason": "Charter discount"], headers: Self.key("r1")
            )
            #expect(refunded.json["status"].string == "paid" && refunded.json["refunded_minor"].int == 5_000, "\(refunded.json)")
            #expect(refunded.json["paid_minor"].int == 20_000 && refunded.json["amount_due_minor"].int == 0, "\(refunded.json)")
            #expect(
                refunded.json["entries"].array.map { $0["kind"].string }
                    == ["invoice_issued", "payment_succeeded", "payment_succeeded", "refund", "credit"], "\(refunded.json)")
            #expect(refunded.json["entries"].array.map { $0["amount_minor"].int } == [25_000, -10_000, -15_000, 5_000, -5_000])
            #expect(
                try await api.call(.post, refunds, token: chamber.staff.accessToken, json: ["amount_minor": 20_001], headers: Self.key("r2"))
                    .errorCode
                    == "refund_exceeds_payments")
            #expect(try await api.call(.post, "\(invoices)/\(id)/void", token: chamber.staff.accessToken).errorCode == "invoice_state_conflict")

            // Bob's is voided; a third is written off after a part payment.
            let voided = try await api.call(.post, "\(invoices)/\(second["id"].string ?? "")/void", token: chamber.staff.accessToken)
            #expect(voided.json["status"].string == "void" && voided.json["amount_due_minor"].int == 0, "\(voided.json)")
            let third = try await Self.invoice(api, chamber, to: bob, lines: [("Late fee", 1, 2_500)])
            _ = try await api.call(
                .post, "\(invoices)/\(third["id"].string ?? "")/payments", token: chamber.staff.accessToken,
                json: ["amount_minor": 500, "method": "cash"], headers: Self.key("bob-cash"))
            let written = try await api.call(.post, "\(invoices)/\(third["id"].string ?? "")/write-off", token: chamber.staff.accessToken)
            #expect(written.json["status"].string == "uncollectible" && written.json["credited_minor"].int == 2_000, "\(written.json)")

            // Members read their own, nobody else's; staff filter.
            let mine = try await api.call(.get, invoices, token: ann.accessToken)
            #expect(mine.json["items"].array.compactMap { $0["id"].string } == [id], "\(mine.json)")
            #expect(try await api.call(.get, "\(invoices)?user_id=\(bob.userID)", token: ann.accessToken).status == .forbidden)
            #expect(try await api.call(.get, "\(invoices)/\(id)", token: bob.accessToken).errorCode == "invoice_not_found")
            #expect(try await api.call(.get, "\(invoices)/\(id)", token: ann.accessToken).json["entries"].array.count == 5)
            let bobs = try await api.call(.get, "\(invoices)?user_id=\(bob.userID)&status=void", token: chamber.staff.accessToken)
            #expect(bobs.json["items"].array.compactMap { $0["number"].string } == ["INV-000002"], "\(bobs.json)")
            #expect(try await api.call(.get, "\(invoices)?status=late", token: chamber.staff.accessToken).errorCode == "validation_failed")

            let check = try await api.call(.get, "\(chamber.path)/billing/ledger-check", token: chamber.staff.accessToken)
            #expect(check.json["balanced"].bool == true && check.json["invoices_checked"].int == 3, "\(check.json)")
            #expect(try await api.call(.get, "\(chamber.path)/billing/ledger-check", token: ann.accessToken).status == .forbidden)
        }
    }

    @Test("payments at once from many desks never pay an invoice more than it asks, and each key records once", arguments: TestBackend.enabled)
    func concurrentPayments(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let chamber = try await EventTests.chamber(api, members: 1)
            let invoice = try await Self.invoice(api, chamber, to: chamber.members[0], lines: [("Sponsorship", 1, 10_000)])
            let payments = "\(chamber.path)/invoices/\(invoice["id"].string ?? "")/payments"
            // Five desks, each sending its payment of 3,000 twice (a retry): at most three fit. (Forty at once on
            // PostgreSQL's four transaction connections, retrying on each other's writes, outlasted the test client's
            // 20 s read timeout in one CI run beside every other suite; sixteen did on a machine busy building too. The
            // client's one connection takes them in turn, so the last waits for all before it.)
            let outcomes = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for desk in 0..<5 {
                    for _ in 0..<2 {
                        group.addTask {
                            let answer = try await api.call(
                                .post, payments, token: chamber.staff.accessToken, json: ["amount_minor": 3_000, "method": "cash"],
                                headers: Self.key("desk-\(desk)"))
                            return (desk, answer.status == .ok ? nil : answer.errorCode)
                        }
                    }
                }
                return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
            }
            #expect(
                outcomes.allSatisfy { [nil, "payment_exceeds_balance", "invoice_state_conflict"].contains($0.1) }, "\(outcomes.map(\.1))")
            let after = try await api.call(.get, "\(chamber.path)/invoices/\(invoice["id"].string ?? "")", token: chamber.staff.accessToken)
            let paid = after.json["entries"].array.filter { $0["kind"].string == "payment_succeeded" }
            #expect(paid.count == 3 && after.json["paid_minor"].int == 9_000 && after.json["amount_due_minor"].int == 1_000, "\(after.json)")
            let check = try await api.call(.get, "\(chamber.path)/billing/ledger-check", token: chamber.staff.accessToken)
            #expect(check.json["balanced"].bool == true, "\(check.json)")
        }
    }
    @Test("the report and the accountant's exports come from the ledger and reconcile with it", arguments: TestBackend.enabled)
    func reportsAndExports(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let chamber = try await EventTests.chamber(api, members: 2)
            let (ann, bob) = (chamber.members[0], chamber.members[1])
            let staff = chamber.staff.accessToken
            let dues = try await Self.invoice(api, chamber, to: ann, lines: [("Annual dues", 1, 25_000)])
            let table = try await Self.invoice(api, chamber, to: bob, lines: [("Gala table", 1, 80_000)])
            let path = "\(chamber.path)/invoices"
            _ = try await api.call(
                .post, "\(path)/\(dues["id"].string ?? "")/payments", token: staff,
                json: ["amount_minor": 25_000, "method": "cheque", "reference": "1042"], headers: Self.key("p1"))
            _ = try await api.call(
                .post, "\(path)/\(dues["id"].string ?? "")/refunds", token: staff, json: ["amount_minor": 1_000], headers: Self.key("r1"))
            _ = try await api.call(
                .post, "\(path)/\(table["id"].string ?? "")/payments", token: staff, json: ["amount_minor": 30_000, "method": "cash"],
                headers: Self.key("p2"))

            let report = try await api.call(.get, "\(chamber.path)/billing/report", token: staff)
            #expect(report.status == .ok, "\(report.json)")
            let revenue = report.json["revenue"].array
            #expect(revenue.map { $0["method"].string } == ["cash", "cheque", "refund"], "\(report.json)")
            #expect(revenue.reduce(0) { $0 + ($1["net_minor"].int ?? 0) } == 54_000, "\(report.json)")
            #expect(report.json["aging"][0]["buckets"]["current"].int == 50_000 && report.json["open_invoices"].int == 1, "\(report.json)")
            #expect(report.json["card_payments"]["success_rate_basis_points"].int == 10_000)
            #expect(try await api.call(.get, "\(chamber.path)/billing/report?from=2026-02-30", token: staff).errorCode == "validation_failed")
            #expect(try await api.call(.get, "\(chamber.path)/billing/report", token: ann.accessToken).status == .forbidden)

            let csv = try await api.call(.get, "\(chamber.path)/billing/exports/ledger", token: staff)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(csv.headers[HTTPField.Name("X-Batch-Count")!] == "3" && csv.headers[HTTPField.Name("X-Batch-Net-Minor")!] == "54000")
            let rows = String(decoding: csv.body, as: UTF8.self).split(separator: "\r\n")
            #expect(rows.last?.hasPrefix("total,,3 transactions,,550.00,10.00,USD") == true, "\(rows)")
            let iif = try await api.call(.get, "\(chamber.path)/billing/exports/ledger?format=iif", token: staff)
            let lines = String(decoding: iif.body, as: UTF8.self).split(separator: "\n").map {
                $0.split(separator: "\t", omittingEmptySubsequences: false)
            }
            let amounts = lines.filter { $0.first == "TRNS" }.map { String($0[5]) }
            // The file's own total, in cents from its decimal figures, is the batch's.
            let cents = amounts.map { Int($0.replacingOccurrences(of: ".", with: "")) ?? 0 }.reduce(0, +)
            #expect(amounts.count == 3 && cents == 54_000, "\(amounts)")
            #expect(try await api.call(.get, "\(chamber.path)/billing/exports/ledger?format=xlsx", token: staff).errorCode == "validation_failed")
        }
    }
    @Test("a member reads an invoice as an escaped page and downloads it as a PDF another program reads", arguments: [TestBackend.sqlite])
    func documents(_ backend: TestBackend) async throws {
        try await withServer(backend) { api in
            let chamber = try await EventTests.chamber(api, members: 2)
            let (ann, bob) = (chamber.members[0], chamber.members[1])
            let invoice = try await Self.invoice(
                api, chamber, to: ann, lines: [("<script>alert(1)</script> Gala (table)", 2, 7_550), ("Crème brûlée", 1, 900)])
            let path = "\(chamber.path)/invoices/\(invoice["id"].string ?? "")/document"
            let page = try await api.call(.get, path, token: ann.accessToken)
            let html = String(decoding: page.body, as: UTF8.self)
            #expect(page.status == .ok && page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !html.contains("<script>"), "escaped")
            #expect(html.contains("INV-000001") && html.contains("160.00 USD") && html.contains("Crème brûlée"), "\(html)")
            let pdf = try await api.call(.get, "\(path)?format=pdf", token: ann.accessToken)
            #expect(pdf.headers[.contentType] == "application/pdf" && pdf.headers[.contentDisposition]?.contains("INV-000001.pdf") == true)
            let read = try await PDFReader.read(pdf.body)
            #expect(read.error == nil && read.pages == 1, "\(read)")
            for text in ["Invoice INV-000001", "Amount due: 160.00 USD", "Gala (table)", "Crème brûlée", "x2"] {
                #expect(read.text.contains(text), "\(text) in \(read.text)")
            }
            #expect(try await api.call(.get, path, token: bob.accessToken).errorCode == "invoice_not_found")
            #expect(try await api.call(.get, "\(path)?format=docx", token: ann.accessToken).errorCode == "validation_failed")
        }
    }
}
