import ChamberDomain
import Foundation
import Synchronization
import Testing

/// The mail dispatcher against an outbox in memory and a transport that answers by recipient, on a fixed clock.
@Suite("Mail dispatcher")
struct MailDispatcherTests {
    final class MemoryOutbox: MailOutboxStore {
        let pending: Mutex<[MailDelivery]>
        let finished = Mutex<[String: MailResult]>([:])

        init(_ deliveries: [MailDelivery]) { pending = Mutex(deliveries) }

        func record(_ mail: Mail, at: Date) async throws {}
        func claim(limit: Int, at instant: Date, lease: TimeInterval, claim: String) async throws -> [MailDelivery] {
            pending.withLock { pending in
                defer { pending.removeAll() }
                return pending.map { MailDelivery(id: $0.id, mail: $0.mail, status: .pending, attempts: $0.attempts + 1, lastError: $0.lastError) }
            }
        }
        func renew(claim: String, until: Date) async throws {}
        func finish(_ results: [(id: String, result: MailResult)], claim: String, at instant: Date) async throws {
            finished.withLock { finished in for (id, result) in results { finished[id] = result } }
        }
        func nextDue() async throws -> Date? { nil }
        func deliveries(to address: String, limit: Int) async throws -> [MailDelivery] { [] }
        func prune(finishedBefore instant: Date) async throws -> Int { 0 }
    }

    struct ScriptedTransport: MailTransport {
        let answers: [String: MailOutcome]
        func deliver(_ mail: Mail) async -> MailOutcome { answers[mail.to] ?? .accepted }
    }

    static func queued(_ to: String, attempts: Int = 0) -> MailDelivery {
        MailDelivery(id: to, mail: Mail(kind: .invitation, to: to, subject: "s", body: "b"), status: .pending, attempts: attempts, lastError: nil)
    }

    static let clock = Date(timeIntervalSince1970: 50_000)

    @Test(
        "each outcome becomes what the outbox records",
        arguments: [
            (MailOutcome.accepted, 0, MailResult.sent),
            (.recorded, 0, .recorded),
            (.rejected("550 no such user"), 0, .failed(error: "550 no such user")),
            // Attempt 1 failed: wait between half and all of the base (random 0: half), 10 s.
            (.failedForNow("451 later"), 0, .retry(at: clock.addingTimeInterval(10), error: "451 later")),
            // Attempt 3 failed: base × 4, halved.
            (.failedForNow("451 later"), 2, .retry(at: clock.addingTimeInterval(40), error: "451 later")),
            (.failedForNow("451 later"), 4, .failed(error: "451 later (after 5 attempts)")),
        ])
    func outcomes(_ outcome: MailOutcome, attemptsBefore: Int, expected: MailResult) async throws {
        let outbox = MemoryOutbox([Self.queued("a@chamber.test", attempts: attemptsBefore)])
        let dispatcher = MailDispatcher(
            outbox: outbox, transport: ScriptedTransport(answers: ["a@chamber.test": outcome]),
            schedule: RetrySchedule(base: 20, cap: 3_600, maxAttempts: 5), now: { Self.clock }, random: { 0 })
        #expect(try await dispatcher.dispatch() == 1)
        #expect(outbox.finished.withLock { $0["a@chamber.test"] } == expected)
        #expect(try await dispatcher.dispatch() == 0, "nothing left")
    }
}

/// When a notification's e-mail is due, by what the policy decided and the member's digest.
@Suite("Notification e-mail: when it is due")
struct NotificationEmailDueTests {
    static let now = Date(timeIntervalSince1970: 100_000)

    @Test(
        "at once after the delay, at the end of quiet hours, or an hour or a day later",
        arguments: [
            (NotificationDecision.Email.now, EmailDigest.immediate, 60.0),
            (.after(now.addingTimeInterval(7_200)), .immediate, 7_200),
            // Quiet hours ending sooner than the delay: the delay still gathers a burst.
            (.after(now.addingTimeInterval(10)), .immediate, 60),
            (.inDigest, .hourly, 3_600),
            (.inDigest, .daily, 86_400),
        ])
    func due(_ email: NotificationDecision.Email, digest: EmailDigest, after seconds: TimeInterval) {
        #expect(email.due(at: Self.now, digest: digest, immediateDelay: 60) == Self.now.addingTimeInterval(seconds))
    }
}
