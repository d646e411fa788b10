/// An ISO 4217 currency a chamber bills in, with the number of digits of its minor unit (cents for USD, none for
/// JPY). Amounts are always integers of the minor unit: never a floating-point number on a money path.
public struct Currency: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The upper-case ISO 4217 code, as `USD`.
    public let code: String
    /// Digits after the decimal point: 2 for USD, 0 for JPY, 3 for KWD.
    public let minorUnitDigits: Int

    /// The currency with this code (any case), if billing knows it.
    public init?(code raw: String) {
        let code = raw.uppercased()
        guard let digits = Self.known[code] else { return nil }
        self.code = code
        self.minorUnitDigits = digits
    }

    /// The currency `raw` names, or `validation_failed` on `field`.
    public static func parse(_ raw: String, field: String) throws(ChamberError) -> Currency {
        guard let currency = Currency(code: raw) else {
            throw ChamberError(.validationFailed, "\(field) must be an ISO 4217 currency code billing supports, as USD", field: field)
        }
        return currency
    }

    public var description: String { code }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        guard let currency = Currency(code: raw) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown currency \(raw)"))
        }
        self = currency
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }

    /// Currencies of the card processors' common list with their minor-unit digits (ISO 4217).
    static let known: [String: Int] = [
        "USD": 2, "CAD": 2, "EUR": 2, "GBP": 2, "AUD": 2, "NZD": 2, "CHF": 2, "SEK": 2, "NOK": 2, "DKK": 2, "PLN": 2, "CZK": 2,
        "HUF": 2, "RON": 2, "MXN": 2, "BRL": 2, "ARS": 2, "CLP": 0, "COP": 2, "PEN": 2, "ZAR": 2, "NGN": 2, "KES": 2, "EGP": 2,
        "INR": 2, "SGD": 2, "HKD": 2, "CNY": 2, "TWD": 2, "PHP": 2, "THB": 2, "MYR": 2, "IDR": 2, "VND": 0, "KRW": 0, "JPY": 0,
        "AED": 2, "SAR": 2, "ILS": 2, "TRY": 2, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3,
    ]
}
