import Foundation

/// A sender's standing in one channel as a send checks it: the channel (archived, locked, slow mode, kind), the
/// sender's membership, and the sanctions on them in force when read.
///
/// A socket keeps it between its sends (``SendInProgress/rights``, handed back to
/// ``ChatService/beginSend(_:channelID:draft:unsettledSince:known:)``) until a change of the channel, of its members
/// or of the sender's sanctions is announced, so the common send runs no SQL to decide whether it is allowed.
public struct SendRights: Sendable, Equatable {
    public let channel: Channel
    public let member: ChannelMember?
    /// In force when read; each is checked again at every send, as it may have ended on its own since.
    public let sanctions: [Sanction]

    public init(channel: Channel, member: ChannelMember?, sanctions: [Sanction]) {
        self.channel = channel
        self.member = member
        self.sanctions = sanctions
    }

    /// Whether a send may be checked against these alone. Not in slow mode: the sender's last message, perhaps sent
    /// through another node, is read at each send there.
    public var isKeepable: Bool { channel.slowModeSeconds == 0 }
}
