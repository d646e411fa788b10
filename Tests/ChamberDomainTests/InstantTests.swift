import Foundation
import Testing

@testable import ChamberDomain

/// Instants as the wire writes them, digit by digit, against Foundation's ISO 8601 formatter for the whole seconds
/// and the stored milliseconds for the fraction (Foundation's own fraction cuts the binary value: `.982` stored as
/// 0.98199… would read `.981`).
@Suite("Instants in ISO 8601")
struct InstantTests {
    static func expected(_ milliseconds: Int64) -> String {
        let (seconds, fraction) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        let (whole, rest) = fraction < 0 ? (seconds - 1, fraction + 1000) : (seconds, fraction)
        let base = Date(timeIntervalSince1970: Double(whole)).formatted(Date.ISO8601FormatStyle())
        return base.dropLast() + "." + String(format: "%03d", Int(rest)) + "Z"
    }

    @Test(
        "the same text as before, around the edges of days, months, leap years and 1970",
        arguments: [
            0, -1, 999, 1000, -86_400_000, 951_782_400_000, 951_868_799_999, 1_763_896_706_786, 1_798_761_599_999, 4_102_444_800_000,
            253_402_300_799_999, -62_135_596_800_000, 1_709_164_800_123,
        ] as [Int64])
    func edges(_ milliseconds: Int64) {
        #expect(Date(millisecondsSince1970: milliseconds).iso8601Milliseconds == Self.expected(milliseconds), "\(milliseconds)")
    }

    @Test("the same text as before for ten thousand instants from 1900 to 2200")
    func sweep() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<10_000 {
            let milliseconds = Int64.random(in: -2_208_988_800_000...7_258_118_400_000, using: &generator)
            #expect(Date(millisecondsSince1970: milliseconds).iso8601Milliseconds == Self.expected(milliseconds), "\(milliseconds)")
        }
    }
}
