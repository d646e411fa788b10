import ChamberDomain
import Foundation

/// The answers every push service shares: 2xx accepted, 429 and 5xx later, a network failure later.
enum HTTPOutcome {
    /// The outcome of a status the provider-specific cases did not settle.
    static func common(status: Int, retryAfter: String?, body: String) -> PushOutcome {
        switch status {
        case 200..<300: .accepted
        case 429, 500..<600: .retry("http_\(status) \(body.prefix(200))", retryAfter: RetryAfter.seconds(retryAfter))
        default: .rejected("http_\(status) \(body.prefix(200))")
        }
    }

    /// A request that got no answer: the connection failed or timed out. Sent again later.
    static func unreachable(_ error: any Error) -> PushOutcome {
        .retry("unreachable: \(error)", retryAfter: nil)
    }
}
