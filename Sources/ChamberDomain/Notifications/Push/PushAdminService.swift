import Foundation

/// Sends one push straight to a device through its provider, outside the outbox: the device test.
public protocol PushTester: Sendable {
    func sendTest(to device: Device, at instant: Date) async -> PushOutcome
}

/// One provider's line in the admin view.
public struct PushProviderReport: Sendable, Equatable {
    public let platform: DevicePlatform
    /// Whether its pushes leave the server, or are only recorded in the log (no credentials configured).
    public let delivers: Bool
    public let counts: PushCounts
}

/// What admins see of a chamber's pushes: counts by provider, and the dead letters.
public final class PushAdminService: Sendable {
    private let store: any Store
    private let delivers: @Sendable (DevicePlatform) -> Bool

    /// `delivers` tells whether pushes to a platform leave the server (``PushDispatcher/delivers(to:)``).
    public init(store: any Store, delivers: @escaping @Sendable (DevicePlatform) -> Bool) {
        self.store = store
        self.delivers = delivers
    }

    /// Every provider's counts, zeros included, in the order of ``DevicePlatform/allCases``.
    public func counts(_ access: ChamberAccess) async throws -> [PushProviderReport] {
        try access.require(.view, .chamberSettings)
        let counts = try await store.pushOutbox.counts(in: access.chamberID)
        return DevicePlatform.allCases.map { PushProviderReport(platform: $0, delivers: delivers($0), counts: counts[$0] ?? PushCounts()) }
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
