import ChamberDomain
import Foundation
import Testing

/// When a worker tries an owed notice again after a failed try, and when it gives up: the table, and the total that
/// the documents state (about 16 hours).
@Suite("Notices: retries of an owed notice")
struct NoticeRetryTests {
    @Test(
        "a minute after the first failed try, doubling, at most four hours",
        arguments: [(1, 60.0), (2, 120), (3, 240), (4, 480), (8, 7_680), (9, 14_400), (11, 14_400), (40, 14_400), (0, 60)])
    func delay(_ attempt: Int, _ seconds: TimeInterval) {
        #expect(NoticeNotifier.retryDelay(afterTry: attempt) == seconds)
    }

    @Test("given up at the twelfth failed try, about 16 hours after the first")
    func givenUp() {
        let waited = (1..<NoticeNotifier.maxAttempts).map(NoticeNotifier.retryDelay(afterTry:)).reduce(0, +)
        #expect(NoticeNotifier.maxAttempts == 12)
        #expect((15.5 * 3_600...16.5 * 3_600).contains(waited), "\(waited / 3_600) h")
    }
}
