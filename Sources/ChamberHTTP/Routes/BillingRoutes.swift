import ChamberDomain
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Billing (`/v1/chambers/{chamberId}/invoices…`): staff write, issue and settle invoices, every movement of money
/// in the ledger; members read their own; `billing/ledger-check` proves the two agree.
struct BillingRoutes {
    let services: ChamberServices

    func register(on router: Router<AppRequestContext>) {
        let billing = services.billing
        let chamber = router.group("v1/chambers/{chamberId}").add(middleware: ChamberAccessMiddleware(services: services))
        let key = HTTPField.Name("Idempotency-Key")!

        chamber.post("invoices") { request, context in
            let json = try await APIJSON.decode(JSONValue.self, from: request, context: context)
            let invoice = try await billing.create(try context.access(), input: try InvoiceRequest(json, creating: true).input)
            return JSONResponse(.created, InvoiceBody(invoice, entries: []))
        }
        chamber.get("invoices") { request, context in
            let query = request.uri.queryParameters
            let status = try query.get("status").map { raw throws(ChamberError) in
                guard let status = InvoiceStatus(rawValue: raw) else {
                    throw ChamberError(.validationFailed, "status must be draft, open, paid, void or uncollectible", field: "status")
                }
                return status
            }
            let user = try query.get("user_id").map { raw throws(ChamberError) in try Validate.identifier(raw, as: UserID.self, field: "user_id") }
            let page = try await billing.list(try context.access(), userID: user, status: status, page: try request.page())
            let now = Date()
            return JSONResponse(.ok, PageBody(page) { InvoiceBody($0, now: now) })
        }
        chamber.get("invoices/{invoiceId}") { request, context in
            let (invoice, entries) = try await billing.get(try context.access(), id: try request.id("invoiceId", context: context))
            return JSONResponse(.ok, InvoiceBody(invoice, entries: entries))
        }
        chamber.patch("invoices/{invoiceId}") { request, context in
            let access = try context.access()
            let id: InvoiceID = try request.id("invoiceId", context: context)
            _ = try await billing.get(access, id: id)
            let json = try await APIJSON.decode(JSONValue.self, from: request, context: context)
            let invoice = try await billing.update(access, id: id, input: try InvoiceRequest(json, creating: false).input)
            return JSONResponse(.ok, InvoiceBody(invoice))
        }
        @Sendable func settle(_ request: Request, _ context: AppRequestContext, _ operation: InvoiceOperation) async throws -> Response {
            let access = try context.access()
            let invoice = try await billing.apply(
                access, id: try request.id("invoiceId", context: context), operation, idempotencyKey: request.headers[key])
            return try JSONResponse(.ok, InvoiceBody(invoice, entries: try await billing.get(access, id: invoice.id).entries))
                .response(from: request, context: context)
        }
        chamber.post("invoices/{invoiceId}/issue") { request, context in try await settle(request, context, .issue) }
        chamber.post("invoices/{invoiceId}/void") { request, context in try await settle(request, context, .void) }
        chamber.post("invoices/{invoiceId}/write-off") { request, context in try await settle(request, context, .writeOff) }
        chamber.post("invoices/{invoiceId}/payments") { request, context in
            let id: InvoiceID = try request.id("invoiceId", context: context)
            _ = try await billing.get(try context.access(), id: id)
            let json = try await APIJSON.decode(JSONValue.self, from: request, context: context)
            return try await settle(request, context, try MoneyMovementRequest(payment: json).operation)
        }
        chamber.post("invoices/{invoiceId}/refunds") { request, context in
            let access = try context.access()
            let id: InvoiceID = try request.id("invoiceId", context: context)
            _ = try await billing.get(access, id: id)
            let json = try await APIJSON.decode(JSONValue.self, from: request, context: context)
            let refund = try MoneyMovementRequest(refund: json)
            guard refund.toCard, case .refund(let amount, let reason) = refund.operation else {
                return try await settle(request, context, refund.operation)
            }
            let invoice = try await billing.refundToCard(access, id: id, amountMinor: amount, reason: reason, idempotencyKey: request.headers[key])
            return try JSONResponse(.ok, InvoiceBody(invoice, entries: try await billing.get(access, id: invoice.id).entries))
                .response(from: request, context: context)
        }
        chamber.post("invoices/{invoiceId}/card-payments") { request, context in
            let access = try context.access()
            let id: InvoiceID = try request.id("invoiceId", context: context)
            _ = try await billing.get(access, id: id)
            let json = try await APIJSON.decode(JSONValue.self, from: request, context: context)
            let body = try StrictObject(json, at: "")
            try body.allow(["payment_method"])
            let payment = try await billing.payByCard(
                access, id: id, paymentMethod: try body.string("payment_method"), idempotencyKey: request.headers[key])
            return JSONResponse(.ok, CardPaymentBody(payment, entries: try await billing.get(access, id: id).entries))
        }
        // The processor's webhooks: no session, the signature is the credential.
        let webhooks = services.paymentWebhooks
        router.post("v1/webhooks/stripe") { request, context in
            guard let webhooks else {
                throw ChamberError(.paymentProviderUnavailable, "card payments are not set up on this server (billing.stripe.webhook_secrets_file)")
            }
            let payload = Array((try await request.body.collect(upTo: 1 << 20)).readableBytesView)
            let event: PaymentEvent
            do {
                event = try webhooks.verify(payload: payload, signatureHeader: request.headers[HTTPField.Name("Stripe-Signature")!], now: Date())
            } catch {
                context.logger.warning("refused a payment webhook", metadata: ["reason": "\(error)"])
                throw error
            }
            return JSONResponse(.ok, WebhookReceiptBody(eventId: event.id, outcome: try await billing.apply(event).rawValue))
        }
        chamber.get("invoices/{invoiceId}/document") { request, context -> Response in
            let document = try await billing.document(try context.access(), id: try request.id("invoiceId", context: context))
            let format = request.uri.queryParameters.get("format").map { String($0) } ?? "html"
            var headers = HTTPFields()
            headers[.cacheControl] = "private, no-store"
            switch format {
            case "html":
                headers[.contentType] = "text/html; charset=utf-8"
                headers[HTTPField.Name("Content-Security-Policy")!] = "default-src 'none'; style-src 'unsafe-inline'"
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: document.html())))
            case "pdf":
                headers[.contentType] = "application/pdf"
                headers[.contentDisposition] = "attachment; filename=\"\(document.invoice.number ?? "invoice-draft").pdf\""
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: document.pdf())))
            default:
                throw ChamberError(.validationFailed, "format is html or pdf", field: "format")
            }
        }
        chamber.get("billing/report") { request, context in
            let access = try context.access()
            let query = request.uri.queryParameters
            let period = try await billing.period(access, from: query.get("from").map { String($0) }, to: query.get("to").map { String($0) })
            return JSONResponse(.ok, BillingReportBody(try await billing.report(access, period: period)))
        }
        chamber.get("billing/exports/ledger") { request, context -> Response in
            let access = try context.access()
            let query = request.uri.queryParameters
            let format = query.get("format").map { String($0) } ?? "csv"
            guard format == "csv" || format == "iif" else { throw ChamberError(.validationFailed, "format is csv or iif", field: "format") }
            let period = try await billing.period(access, from: query.get("from").map { String($0) }, to: query.get("to").map { String($0) })
            let (lines, currency) = try await billing.exportLines(access, period: period, currency: query.get("currency").map { String($0) })
            let batch = LedgerExport.batch(lines)
            var headers = HTTPFields()
            headers[.contentDisposition] = "attachment; filename=\"ledger-\(currency.code.lowercased()).\(format)\""
            headers[.cacheControl] = "private, no-store"
            headers[HTTPField.Name("X-Batch-Count")!] = String(batch.count)
            headers[HTTPField.Name("X-Batch-Net-Minor")!] = String(batch.netMinor)
            let text: String
            if format == "iif" {
                headers[.contentType] = "text/plain; charset=utf-8"
                text = LedgerExport.iif(lines, currency: currency, timeZone: period.timeZone)
            } else {
                headers[.contentType] = "text/csv; charset=utf-8"
                text = LedgerExport.csv(lines, currency: currency, timeZone: period.timeZone).map(CSV.line).joined()
            }
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        chamber.get("billing/ledger-check") { _, context in
            let (checked, mismatches) = try await billing.check(try context.access())
            return JSONResponse(
                .ok,
                LedgerCheckBody(
                    invoicesChecked: checked, balanced: mismatches.isEmpty,
                    mismatches: mismatches.map { .init(invoiceId: $0.invoice.id.rawValue, number: $0.invoice.number, reason: $0.reason) }))
        }
    }
}
