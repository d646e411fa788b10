/// Amounts in minor units written as the currency's decimal figure (`25000` USD as `250.00`, JPY as `25000`,
/// KWD `1234` as `1.234`), by integer arithmetic: never through a floating-point number.
public enum MinorUnits {
    public static func decimal(_ amount: Int64, _ currency: Currency) -> String {
        guard currency.minorUnitDigits > 0 else { return String(amount) }
        var unit: Int64 = 1
        for _ in 0..<currency.minorUnitDigits { unit *= 10 }
        let magnitude = amount.magnitude
        let whole = magnitude / UInt64(unit)
        let fraction = String(magnitude % UInt64(unit))
        let padded = String(repeating: "0", count: currency.minorUnitDigits - fraction.count) + fraction
        return (amount < 0 ? "-" : "") + "\(whole).\(padded)"
    }
}
