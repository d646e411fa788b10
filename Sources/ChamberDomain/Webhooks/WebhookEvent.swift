import Foundation

/// One thing that happened, as every endpoint taking its type is told it. Its `id` is derived from what happened (a
/// ledger entry, a standing's revision), so queuing it again — a retry, another node — adds nothing.
public struct WebhookEvent: Sendable, Equatable {
    public let id: String
    public let type: WebhookEventType
    public let chamberID: ChamberID
    public let data: [String: JSONValue]
    public let at: Date

    public init(id: String, type: WebhookEventType, chamberID: ChamberID, data: [String: JSONValue], at: Date) {
        self.id = id
        self.type = type
        self.chamberID = chamberID
        self.data = data
        self.at = at
    }

    /// The body every delivery of it carries, fixed when queued: `{"id", "type", "created", "chamber_id", "data"}`,
    /// keys sorted, `created` in Unix seconds.
    public func body() -> String {
        let envelope: JSONValue = .object([
            "id": .string(id), "type": .string(type.rawValue), "created": .int(Int64(at.timeIntervalSince1970.rounded(.down))),
            "chamber_id": .string(chamberID.rawValue), "data": .object(data),
        ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // A JSONValue always encodes.
        return String(decoding: (try? encoder.encode(envelope)) ?? Data("{}".utf8), as: UTF8.self)
    }
}

extension WebhookEvent {
    /// What every invoice event says of its invoice.
    static func data(of invoice: Invoice) -> [String: JSONValue] {
        [
            "invoice_id": .string(invoice.id.rawValue), "number": invoice.number.map(JSONValue.string) ?? .null,
            "user_id": .string(invoice.userID.rawValue), "currency": .string(invoice.currency.code), "total_minor": .int(invoice.totalMinor),
            "fees_minor": .int(invoice.feesMinor), "amount_due_minor": .int(invoice.amountDueMinor), "status": .string(invoice.status.rawValue),
            "due_at": invoice.dueAt.map { .int(Int64($0.timeIntervalSince1970)) } ?? .null,
        ]
    }

    /// An invoice fell overdue: once per invoice.
    static func overdue(_ invoice: Invoice, at: Date) -> WebhookEvent {
        WebhookEvent(id: "evt_overdue_\(invoice.id)", type: .invoiceOverdue, chamberID: invoice.chamberID, data: data(of: invoice), at: at)
    }

    /// A membership's status moved: once per revision of its standing.
    static func statusChanged(_ member: Member, from before: MembershipStatus, at: Date) -> WebhookEvent? {
        guard let standing = member.membership.standing else { return nil }
        return WebhookEvent(
            id: "evt_standing_\(member.user.id)_\(standing.revision)", type: .membershipStatusChanged, chamberID: member.membership.chamberID,
            data: [
                "user_id": .string(member.user.id.rawValue), "business_id": standing.businessID.map { .string($0.rawValue) } ?? .null,
                "tier_id": .string(standing.tierID.rawValue), "from": .string(before.rawValue), "to": .string(standing.status.rawValue),
                "paid_through": standing.paidThrough.map { .int(Int64($0.timeIntervalSince1970)) } ?? .null,
            ], at: at)
    }

    /// The events an invoice's change tells: each new ledger entry that moved money, and the invoice issued or paid.
    static func of(_ invoice: Invoice, before: Invoice, entries: [LedgerEntry]) -> [WebhookEvent] {
        var events: [WebhookEvent] = []
        for entry in entries {
            let type: WebhookEventType
            switch entry.kind {
            case .paymentSucceeded: type = .paymentSucceeded
            case .paymentFailed: type = .paymentFailed
            case .refund: type = .paymentRefunded
            default: continue
            }
            var data = data(of: invoice)
            data["amount_minor"] = .int(abs(entry.amountMinor))
            data["method"] = entry.method.map(JSONValue.string) ?? .null
            data["reference"] = entry.reference.map(JSONValue.string) ?? .null
            events.append(WebhookEvent(id: "evt_\(entry.id)", type: type, chamberID: invoice.chamberID, data: data, at: entry.at))
        }
        let at = entries.first?.at ?? Date()
        if before.status == .draft, invoice.status != .draft {
            events.append(
                WebhookEvent(id: "evt_issued_\(invoice.id)", type: .invoiceIssued, chamberID: invoice.chamberID, data: data(of: invoice), at: at))
        }
        if before.status != .paid, invoice.status == .paid {
            events.append(
                WebhookEvent(id: "evt_paid_\(invoice.id)", type: .invoicePaid, chamberID: invoice.chamberID, data: data(of: invoice), at: at))
        }
        return events
    }
}
