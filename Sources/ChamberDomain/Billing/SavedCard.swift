import Foundation

/// A member's card as the processor keeps it for this chamber (never the card itself: PCI scope stays with the
/// processor): the processor's customer and payment method, what to show of the card, and whether dues are charged
/// to it on their due date (autopay).
public struct SavedCard: Sendable, Equatable {
    public let chamberID: ChamberID
    public let userID: UserID
    /// The processor's customer (`cus_…`), made the first time the member saves a card.
    public let customerID: String
    /// The processor's payment method (`pm_…`); nil until a setup completes.
    public var paymentMethodID: String?
    public var details: CardDetails?
    public var autopay: Bool
    public var updatedAt: Date

    public init(
        chamberID: ChamberID, userID: UserID, customerID: String, paymentMethodID: String? = nil, details: CardDetails? = nil,
        autopay: Bool = false, updatedAt: Date
    ) {
        self.chamberID = chamberID
        self.userID = userID
        self.customerID = customerID
        self.paymentMethodID = paymentMethodID
        self.details = details
        self.autopay = autopay
        self.updatedAt = updatedAt
    }
}

/// What the processor tells of a card: enough to recognise it, nothing to charge it with.
public struct CardDetails: Sendable, Equatable {
    public let brand: String
    public let last4: String
    public let expMonth: Int
    public let expYear: Int

    public init(brand: String, last4: String, expMonth: Int, expYear: Int) {
        self.brand = brand
        self.last4 = last4
        self.expMonth = expMonth
        self.expYear = expYear
    }
}

/// A card setup the member's app completes with the processor's SDK (Stripe's SetupIntent): its id and client secret.
public struct CardSetup: Sendable, Equatable {
    public let id: String
    public let clientSecret: String
    public let customerID: String

    public init(id: String, clientSecret: String, customerID: String) {
        self.id = id
        self.clientSecret = clientSecret
        self.customerID = customerID
    }
}

/// A card setup as the processor reports it.
public struct CardSetupState: Sendable, Equatable {
    /// `succeeded` once the app completed it; `requires_payment_method`, `requires_action`, … before.
    public let status: String
    public let customerID: String?
    public let paymentMethodID: String?

    public init(status: String, customerID: String?, paymentMethodID: String?) {
        self.status = status
        self.customerID = customerID
        self.paymentMethodID = paymentMethodID
    }
}

/// Members' saved cards in one chamber.
public protocol SavedCardStore: Sendable {
    func find(userID: UserID) async throws -> SavedCard?
    /// Writes the member's card (one per member and chamber), replacing what was there.
    func save(_ card: SavedCard) async throws
    /// Forgets it; false when there was none.
    func delete(userID: UserID) async throws -> Bool
}
