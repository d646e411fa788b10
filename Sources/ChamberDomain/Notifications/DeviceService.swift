import Foundation

/// The devices a user registers for push notifications, each bound to the session that registered it.
public final class DeviceService: Sendable {
    private let store: any Store
    private let now: @Sendable () -> Date

    public init(store: any Store, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.now = now
    }

    /// Registers the caller's device, or takes over the one already registered with the same token.
    public func register(
        _ identity: Identity, address input: PushAddressInput, name rawName: String?
    ) async throws -> (
        device: Device, created: Bool
    ) {
        let address = try input.validated()
        let name = try Validate.optionalText(rawName, field: "name", maxLength: 100)
        let instant = now()
        return try await store.devices.register(
            Device(
                id: .generate(), userID: identity.user.id, sessionID: identity.sessionID, address: address, name: name, createdAt: instant,
                registeredAt: instant),
            limit: Device.limitPerUser)
    }

    /// The caller's devices that receive pushes (those of active sessions), most recently registered first.
    public func list(_ identity: Identity) async throws -> [Device] {
        try await store.devices.list(userID: identity.user.id, activeAt: now())
    }

    public func remove(_ identity: Identity, id: DeviceID) async throws {
        guard try await store.devices.remove(id: id, userID: identity.user.id) else {
            throw ChamberError(.deviceNotFound, "no device \(id) of yours")
        }
    }
}
