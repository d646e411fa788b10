import Foundation

/// A card payment asked of the processor: the invoice's amount due, charged to a payment method the processor keeps
/// (its token, as `pm_…`: card numbers never reach this server).
public struct CardCharge: Sendable, Equatable {
    public let chamberID: ChamberID
    public let invoiceID: InvoiceID
    public let amountMinor: Int64
    public let currency: Currency
    /// The processor's token of the card.
    public let paymentMethod: String
    /// The processor's customer the method is saved to, if it is.
    public let customer: String?
    /// Charged without the payer present (autopay of a saved card): the processor refuses one its bank wants
    /// confirmed (`authentication_required`) rather than asking.
    public let offSession: Bool
    public let description: String
    /// Sent with the request: the processor answers a retry with its first answer, and charges once.
    public let idempotencyKey: String

    public init(
        chamberID: ChamberID, invoiceID: InvoiceID, amountMinor: Int64, currency: Currency, paymentMethod: String, customer: String?,
        offSession: Bool = false, description: String, idempotencyKey: String
    ) {
        self.offSession = offSession
        self.chamberID = chamberID
        self.invoiceID = invoiceID
        self.amountMinor = amountMinor
        self.currency = currency
        self.paymentMethod = paymentMethod
        self.customer = customer
        self.description = description
        self.idempotencyKey = idempotencyKey
    }
}

/// What the processor answered to a charge.
public enum CardChargeOutcome: Sendable, Equatable {
    case succeeded(paymentID: String)
    /// Refused: the processor's code (`card_declined`, `insufficient_funds`, …) and its words for the payer.
    case declined(paymentID: String?, code: String, message: String)
    /// The payer must act (3-D Secure): the app completes it with the client secret; a webhook reports the end.
    case requiresAction(paymentID: String, clientSecret: String?)
    /// Accepted, not settled yet: a webhook reports the end.
    case processing(paymentID: String)
}

/// A card processor (Stripe, or one speaking its API). Errors it throws are `payment_provider_unavailable`.
public protocol PaymentProvider: Sendable {
    func charge(_ charge: CardCharge) async throws -> CardChargeOutcome
    /// Gives `amountMinor` of a card payment back to the card, once per `idempotencyKey`; returns the refund's id.
    func refund(paymentID: String, amountMinor: Int64, idempotencyKey: String) async throws -> String
    /// A customer at the processor for a member, once per `idempotencyKey`; returns its id (`cus_…`).
    func createCustomer(email: String, name: String, metadata: [String: String], idempotencyKey: String) async throws -> String
    /// A setup of a card to charge later without the payer (Stripe's SetupIntent, `usage=off_session`).
    func createCardSetup(customer: String, metadata: [String: String], idempotencyKey: String) async throws -> CardSetup
    /// Where a card setup stands.
    func cardSetup(id: String) async throws -> CardSetupState
    /// What the processor tells of a saved payment method.
    func card(paymentMethod: String) async throws -> CardDetails
    /// Takes a saved payment method off its customer, so it can never be charged again.
    func detach(paymentMethod: String, idempotencyKey: String) async throws
}

/// A processor's notice of a payment, verified and read from its webhook.
public struct PaymentEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case succeeded
        case failed(code: String, message: String)
        /// A kind billing does not act on (`balance.available`, …); kept so a duplicate is recognised.
        case other(String)
    }

    /// The processor's event id: the same event delivered twice is applied once.
    public let id: String
    public let kind: Kind
    /// When the processor made the event: an older event about a payment never undoes a newer one.
    public let created: Date
    /// The processor's payment (`pi_…`).
    public let paymentID: String
    /// From the payment's metadata, set when this server asked for it.
    public let chamberID: ChamberID?
    public let invoiceID: InvoiceID?
    public let amountMinor: Int64
    public let currency: String

    public init(
        id: String, kind: Kind, created: Date, paymentID: String, chamberID: ChamberID?, invoiceID: InvoiceID?, amountMinor: Int64,
        currency: String
    ) {
        self.id = id
        self.kind = kind
        self.created = created
        self.paymentID = paymentID
        self.chamberID = chamberID
        self.invoiceID = invoiceID
        self.amountMinor = amountMinor
        self.currency = currency
    }
}

/// What became of a webhook's event.
public enum PaymentEventOutcome: String, Sendable {
    /// It changed an invoice (or confirmed what a payment's answer had recorded already).
    case applied
    /// Delivered before: nothing done again.
    case duplicate
    /// About nothing of ours, a kind billing does not act on, or older than what was applied for its payment.
    case ignored
}

/// Processor events applied, for deduplication and ordering.
public protocol PaymentEventStore: Sendable {
    /// Whether the event was applied already.
    func seen(_ eventID: String) async throws -> Bool
    /// Notes the event as applied (nothing when it is noted already).
    func note(_ event: PaymentEvent, at: Date) async throws
    /// The newest `created` of the events applied for the payment other than `eventID`.
    func newest(forPayment paymentID: String, except eventID: String) async throws -> Date?
}

/// Checks that a webhook came from the card processor just now, and reads its event.
public protocol PaymentWebhookVerifier: Sendable {
    /// The event `payload` carries; `webhook_signature_invalid` when `signature` (the processor's header) does not
    /// prove it, or proves an old request replayed.
    func verify(payload: [UInt8], signatureHeader: String?, now: Date) throws(ChamberError) -> PaymentEvent
}
