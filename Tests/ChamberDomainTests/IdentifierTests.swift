import Foundation
import Testing

@testable import ChamberDomain

@Suite("Identifiers")
struct IdentifierTests {
    /// RFC 9562 Appendix A.6's instant (2022-02-22 19:22:22 UTC, 0x017F22E279B0 ms) and the two ends of the range.
    @Test(
        "a time-ordered identifier starts with its milliseconds, then version 7 and the RFC 4122 variant",
        arguments: [
            (0.0, "00000000-0000-7"), (0.0015, "00000000-0001-7"), (1_645_557_742.0, "017f22e2-79b0-7"),
            (281_474_976_710.655, "ffffffff-ffff-7"),
        ])
    func layout(seconds: Double, prefix: String) {
        let id = MessageID.generateOrdered(at: Date(timeIntervalSince1970: seconds)).rawValue
        #expect(id.hasPrefix(prefix), "\(id)")
        #expect(MessageID(validating: id) != nil, "a UUID the API accepts: \(id)")
        #expect(["8", "9", "a", "b"].contains(id[id.index(id.startIndex, offsetBy: 19)]), "variant bits 10: \(id)")
    }

    @Test("time-ordered identifiers sort by when they were made, and differ within one millisecond")
    func order() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        // Half a millisecond in, so that the instant's floating point cannot fall into the millisecond before.
        let ids = (0..<200).map { MessageID.generateOrdered(at: start.addingTimeInterval(Double($0) / 1000 + 0.0005)) }
        #expect(ids == ids.sorted(), "sorted")
        let same = (0..<200).map { _ in MessageID.generateOrdered(at: start) }
        #expect(Set(same).count == 200)
    }
}
