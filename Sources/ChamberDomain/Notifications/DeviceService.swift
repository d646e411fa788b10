import Foundation

/// The devices a user registers for push notifications, each bound to the session that registered it.
public final class DeviceService: Sendable {
    private let store: any Store
    private let tester: (any PushTester)?
    private let now: @Sendable () -> Date

    /// - Parameter tester: sends test pushes (``test(_:id:)``); without one, tests are refused as not configured.
    public init(store: any Store, tester: (any PushTester)? = nil, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.tester = tester
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

    /// Sends a test push to one of the caller's devices and answers what its provider said; a provider that says the
    /// device is gone has it removed.
    public func test(_ identity: Identity, id: DeviceID) async throws -> (outcome: PushOutcome, removed: Bool) {
        guard let device = try await list(identity).first(where: { $0.id == id }) else {
            throw ChamberError(.deviceNotFound, "no device \(id) of yours")
        }
        let outcome = await tester?.sendTest(to: device, at: now()) ?? .rejected("push is not configured")
        guard case .deviceGone = outcome else { return (outcome, false) }
        return (outcome, try await store.devices.remove(id: device.id, userID: identity.user.id))
    }
}
