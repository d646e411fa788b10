import Foundation

/// Sends one push straight to a device through its provider, outside the outbox: the device test.
public protocol PushTester: Sendable {
    func sendTest(to device: Device, at instant: Date) async -> PushOutcome
}

/// What admins see of a chamber's pushes: counts by provider, and the dead letters.
public final class PushAdminService: Sendable {
    private let store: any Store

    public init(store: any Store) {
        self.store = store
    }

    /// Every provider's counts, zeros included, in the order of ``DevicePlatform/allCases``.
    public func counts(_ access: ChamberAccess) async throws -> [(DevicePlatform, PushCounts)] {
        try access.require(.view, .chamberSettings)
        let counts = try await store.pushOutbox.counts(in: access.chamberID)
        return DevicePlatform.allCases.map { ($0, counts[$0] ?? PushCounts()) }
    }

    public func deadLetters(_ access: ChamberAccess, page: PageRequest) async throws -> Page<DeadLetter> {
        try access.require(.view, .chamberSettings)
        return try await store.pushOutbox.deadLetters(in: access.chamberID, page: page)
    }
}

extension PushDispatcher: PushTester {
    /// The test push: "Test notification", high priority, a minute to live, a collapse key of its own.
    public func sendTest(to device: Device, at instant: Date) async -> PushOutcome {
        guard let provider = provider(for: device.address.platform) else { return .rejected("\(device.address.platform.rawValue)_not_configured") }
        let message = PushMessage(
            title: "ChamberConnect", body: "Test notification", badge: 0,
            collapseKey: "test" + device.id.rawValue.replacingOccurrences(of: "-", with: "").prefix(28),
            highPriority: true, data: ["test": "true", "push_id": UUID().uuidString.lowercased()], expiresAt: instant.addingTimeInterval(60))
        return await provider.send(message, to: device.address)
    }
}
