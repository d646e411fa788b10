import Foundation

/// Where the fan-out's push jobs go once the transaction that wrote them commits.
public struct PushHandOff: Sendable {
    /// The claim a fan-out transaction writes its new jobs under, so that this node sends them the moment it
    /// commits; nil writes them unclaimed, for whichever worker claims them.
    public let claim: @Sendable (Date) -> PushClaim?
    /// Sends the jobs a fan-out transaction wrote under its claim (in the background: the fan-out goes on).
    public let send: @Sendable ([ClaimedPush], PushClaim) -> Void
    /// Wakes a worker for jobs a fan-out transaction queued or grew unclaimed.
    public let wake: @Sendable () -> Void

    public init(
        claim: @escaping @Sendable (Date) -> PushClaim?, send: @escaping @Sendable ([ClaimedPush], PushClaim) -> Void,
        wake: @escaping @Sendable () -> Void
    ) {
        self.claim = claim
        self.send = send
        self.wake = wake
    }

    /// Jobs written unclaimed, and `wake` called for them.
    public static func unclaimed(wake: @escaping @Sendable () -> Void) -> PushHandOff {
        PushHandOff(claim: { _ in nil }, send: { _, _ in }, wake: wake)
    }
}
