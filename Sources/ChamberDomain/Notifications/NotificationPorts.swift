import Foundation

/// Devices that receive pushes. Platform-wide: a device belongs to a user, not to a chamber.
public protocol DeviceStore: Sendable {
    /// Stores the device, or, when its platform and ``PushAddress/key`` are registered already, gives that device to
    /// `device.userID` and `device.sessionID` with `device`'s details (keeping its id and `createdAt`). Then removes
    /// the user's devices beyond `limit`, oldest registration first. All in one transaction.
    /// Returns the device as stored and whether it is new.
    func register(_ device: Device, limit: Int) async throws -> (device: Device, created: Bool)
    /// The user's devices whose session is active at `instant`, the most recently registered first.
    func list(userID: UserID, activeAt instant: Date) async throws -> [Device]
    /// Removes one of the user's devices; false when the user has no such device.
    func remove(id: DeviceID, userID: UserID) async throws -> Bool
}

/// Notification settings of one chamber: its defaults, each member's choices, and members' channel mutes.
public protocol NotificationSettingsStore: Sendable {
    /// The chamber's own choices (empty when it chose nothing).
    func chamberChoices() async throws -> NotificationChoices
    func setChamberChoices(_ choices: NotificationChoices, by actor: UserID, at: Date) async throws
    /// A member's own choices (empty when they chose nothing).
    func memberChoices(of user: UserID) async throws -> NotificationChoices
    /// Reads the member's choices, applies `patch`, stores and returns the result, in one transaction (two
    /// concurrent patches of different settings both take effect).
    func updateMemberChoices(of user: UserID, applying patch: NotificationChoicesPatch, at: Date) async throws -> NotificationChoices
    /// The member's mutes, expired ones included (callers filter by time).
    func mutes(of user: UserID) async throws -> [ChannelMute]
    func mute(_ mute: ChannelMute, for user: UserID, at: Date) async throws
    func unmute(channelID: ChannelID, for user: UserID) async throws
}
