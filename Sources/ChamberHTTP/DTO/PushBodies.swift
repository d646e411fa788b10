import ChamberDomain
import Foundation

/// What a provider answered to a device test (`POST /v1/me/devices/{deviceId}/test`).
struct PushTestBody: Encodable {
    let outcome: String
    let detail: String?
    let deviceRemoved: Bool

    init(_ outcome: PushOutcome, removed: Bool) {
        switch outcome {
        case .accepted: (self.outcome, detail) = ("accepted", nil)
        case .deviceGone(let reason): (self.outcome, detail) = ("device_gone", reason)
        case .retry(let reason, _): (self.outcome, detail) = ("retry_later", reason)
        case .rejected(let reason): (self.outcome, detail) = ("rejected", reason)
        }
        deviceRemoved = removed
    }

    // `detail` is always present, null when there is none.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(detail, forKey: .detail)
        try container.encode(deviceRemoved, forKey: .deviceRemoved)
    }

    private enum CodingKeys: String, CodingKey {
        case outcome, detail, deviceRemoved
    }
}

struct PushStatsBody: Encodable {
    let providers: [PushProviderStatsBody]
}

struct PushProviderStatsBody: Encodable {
    let provider: String
    let delivery: String
    let sent: Int
    let failed: Int
    let retried: Int
    let deadLettered: Int
    let tokensRemoved: Int
    let cancelled: Int
    let pending: Int

    init(_ report: PushProviderReport) {
        let counts = report.counts
        provider = report.platform.rawValue
        delivery = report.delivers ? "sent" : "recorded"
        sent = counts.sent
        failed = counts.failed
        retried = counts.retried
        deadLettered = counts.deadLettered
        tokensRemoved = counts.tokensRemoved
        cancelled = counts.cancelled
        pending = counts.pending
    }
}

struct PushDeadLetterBody: Encodable {
    let id: String
    let provider: String
    let userId: String
    /// Absent for a notice's push.
    let channelId: String?
    let category: String
    let error: String
    let attempts: Int
    let createdAt: Date
    let failedAt: Date

    init(_ letter: DeadLetter) {
        id = letter.job.id.rawValue
        provider = letter.platform.rawValue
        userId = letter.job.userID.rawValue
        channelId = letter.job.channelID?.rawValue
        category = letter.job.category.rawValue
        error = letter.error
        attempts = letter.job.attempts
        createdAt = letter.job.createdAt
        failedAt = letter.finishedAt
    }
}
