import Foundation

public typealias DiscountCodeID = Identifier<DiscountCode>

/// A code that takes a share or an amount off an event's tickets, for a while and a number of uses.
public struct DiscountCode: Sendable, Equatable {
    public let id: DiscountCodeID
    public let eventID: EventID
    /// As registrants type it, kept in capitals (codes are matched without regard to case).
    public let code: String
    public let off: Off
    /// The ticket types it applies to; empty for all of them.
    public var ticketTypeIDs: [TicketTypeID]
    /// Registrations it may take part in; nil for no limit.
    public var maxUses: Int?
    /// Registrations holding it now (those cancelled or expired gave their use back).
    public var uses: Int
    public var validUntil: Date?
    public var active: Bool

    public init(
        id: DiscountCodeID, eventID: EventID, code: String, off: Off, ticketTypeIDs: [TicketTypeID] = [], maxUses: Int? = nil, uses: Int = 0,
        validUntil: Date? = nil, active: Bool = true
    ) {
        self.id = id
        self.eventID = eventID
        self.code = code
        self.off = off
        self.ticketTypeIDs = ticketTypeIDs
        self.maxUses = maxUses
        self.uses = uses
        self.validUntil = validUntil
        self.active = active
    }

    /// What a code takes off.
    public enum Off: Sendable, Equatable {
        /// A share of the price, 1 to 100 percent.
        case percent(Int)
        /// An amount in the smallest unit of the chamber's currency, never below zero.
        case amount(cents: Int)
    }

    /// `amount` with the code applied, never below zero; a share rounds the discount down to the cent.
    public func applied(to amount: Int) -> Int {
        switch off {
        case .percent(let percent): amount - amount * percent / 100
        case .amount(let cents): max(0, amount - cents)
        }
    }

    /// Why the code cannot be used for `ticket` at `date`, or nil when it can (uses are counted by the store).
    public func refusal(for ticket: TicketTypeID, at date: Date) -> ChamberError? {
        guard active, validUntil.map({ date < $0 }) ?? true else {
            return ChamberError(.discountCodeInvalid, "the code \(code) is no longer valid", field: "discount_code")
        }
        guard ticketTypeIDs.isEmpty || ticketTypeIDs.contains(ticket) else {
            return ChamberError(.discountCodeInvalid, "the code \(code) is not for this ticket type", field: "discount_code")
        }
        return nil
    }

    /// Writes the fields of `input` that may change after creation, checking each.
    mutating func apply(_ input: DiscountCodeInput) throws(ChamberError) {
        if let tickets = input.ticketTypeIDs { ticketTypeIDs = Array(Set(tickets)).sorted() }
        if input.clear.contains("max_uses") { maxUses = nil }
        if let uses = input.maxUses {
            guard (1...100_000).contains(uses) else {
                throw ChamberError(.validationFailed, "max_uses must be between 1 and 100000", field: "max_uses")
            }
            maxUses = uses
        }
        if input.clear.contains("valid_until") { validUntil = nil }
        if let until = input.validUntil { validUntil = until }
        if let active = input.active { self.active = active }
    }

    /// A code as typed: trimmed, capitals, 3 to 32 letters, digits, `-` or `_`.
    public static func normalized(_ raw: String, field: String = "code") throws(ChamberError) -> String {
        let code = raw.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        guard (3...32).contains(code.count), code.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "_" }) else {
            throw ChamberError(.validationFailed, "a code is 3 to 32 letters, digits, - or _", field: field)
        }
        return code
    }
}

/// The fields a client sends to add or change a discount code. `code` and what it takes off are set when it is
/// added (one of `percentOff` and `amountOffCents`); later only the rest changes.
public struct DiscountCodeInput: Sendable {
    public var code: String?
    public var percentOff: Int?
    public var amountOffCents: Int?
    public var ticketTypeIDs: [TicketTypeID]?
    public var maxUses: Int?
    public var validUntil: Date?
    public var active: Bool?
    /// Optional fields to set to nothing: `max_uses`, `valid_until`.
    public var clear: Set<String>

    public init(
        code: String? = nil, percentOff: Int? = nil, amountOffCents: Int? = nil, ticketTypeIDs: [TicketTypeID]? = nil, maxUses: Int? = nil,
        validUntil: Date? = nil, active: Bool? = nil, clear: Set<String> = []
    ) {
        self.code = code
        self.percentOff = percentOff
        self.amountOffCents = amountOffCents
        self.ticketTypeIDs = ticketTypeIDs
        self.maxUses = maxUses
        self.validUntil = validUntil
        self.active = active
        self.clear = clear
    }
}
