/// An invoice as staff write it: every field optional (a change names only what changes).
public struct InvoiceInput: Sendable {
    public var userID: UserID?
    public var currency: String?
    public var lines: [InvoiceLine]?
    public var memo: String?
    /// Clear the memo.
    public var clearMemo: Bool
    public var dueDays: Int?

    public init(
        userID: UserID? = nil, currency: String? = nil, lines: [InvoiceLine]? = nil, memo: String? = nil, clearMemo: Bool = false,
        dueDays: Int? = nil
    ) {
        self.userID = userID
        self.currency = currency
        self.lines = lines
        self.memo = memo
        self.clearMemo = clearMemo
        self.dueDays = dueDays
    }

    /// Applies the fields given to a draft, each validated.
    func apply(to invoice: inout Invoice) throws(ChamberError) {
        if let lines {
            guard (1...100).contains(lines.count) else {
                throw ChamberError(.validationFailed, "an invoice has 1 to 100 lines", field: "lines")
            }
            var cleaned: [InvoiceLine] = []
            for (index, line) in lines.enumerated() {
                var line = line
                line.description = try Validate.name(line.description, field: "lines[\(index)].description", maxLength: 200)
                cleaned.append(line)
            }
            _ = try InvoiceLedger.total(of: cleaned)
            invoice.lines = cleaned
        }
        if clearMemo { invoice.memo = nil }
        if let memo { invoice.memo = try Validate.optionalText(memo, field: "memo", maxLength: 1_000) }
        if let dueDays {
            guard (0...365).contains(dueDays) else { throw ChamberError(.validationFailed, "due_days must be 0 to 365", field: "due_days") }
            invoice.dueDays = dueDays
        }
    }
}
