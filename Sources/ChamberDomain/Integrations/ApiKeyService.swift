import Foundation

/// Admins' keys for the chamber's other tools, and their use: who a key acts as, whether it may be used from where
/// and how often, and the record of every use.
public final class ApiKeyService: Sendable {
    /// The start of every key's secret, so that it is told from an access token at a glance.
    public static let tokenPrefix = "cck_"

    private let store: any Store
    private let vault: any SecretVault
    private let now: @Sendable () -> Date
    private let perKeyPerMinute: Int
    private let perAddressPerMinute: Int
    /// Where uses are counted: this node, or the cluster (through Redis).
    private let counter: any RateCounter

    public init(
        store: any Store, vault: any SecretVault, perKeyPerMinute: Int = 600, perAddressPerMinute: Int = 1200,
        counter: any RateCounter = LocalRateCounter(), now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.vault = vault
        self.now = now
        self.perKeyPerMinute = perKeyPerMinute
        self.perAddressPerMinute = perAddressPerMinute
        self.counter = counter
    }

    /// What a new key is made of, as an admin asks for it.
    public struct Draft: Sendable {
        public var name: String
        public var scopes: [String]
        public var allowedAddresses: [String]
        public var expiresAt: Date?

        public init(name: String, scopes: [String], allowedAddresses: [String] = [], expiresAt: Date? = nil) {
            self.name = name
            self.scopes = scopes
            self.allowedAddresses = allowedAddresses
            self.expiresAt = expiresAt
        }
    }

    /// Makes a key; its secret is in the answer only.
    public func create(_ access: ChamberAccess, _ draft: Draft) async throws -> (key: ApiKey, secret: String) {
        try requireAdmin(access)
        // A key acts as its maker's membership: a platform admin without one has none to lend it.
        guard !access.viaPlatformAdmin else { throw ChamberError(.forbidden, "only the chamber's own admins make its API keys") }
        let name = try Validate.name(draft.name, field: "name", maxLength: 80)
        guard !draft.scopes.isEmpty else { throw ChamberError(.validationFailed, "a key needs at least one scope", field: "scopes") }
        var scopes: Set<ApiKeyScope> = []
        for (index, text) in draft.scopes.enumerated() {
            guard let scope = ApiKeyScope(rawValue: text) else {
                throw ChamberError(
                    .validationFailed, "unknown scope '\(text)'; one of \(ApiKeyScope.allCases.map(\.rawValue).joined(separator: ", "))",
                    field: "scopes[\(index)]")
            }
            scopes.insert(scope)
        }
        guard draft.allowedAddresses.count <= 50 else {
            throw ChamberError(.validationFailed, "at most 50 allowed addresses", field: "allowed_addresses")
        }
        let ranges = try draft.allowedAddresses.enumerated().map { index, text throws(ChamberError) in
            guard let range = AddressRange(text) else {
                throw ChamberError(.validationFailed, "'\(text)' is not an IP address or CIDR block", field: "allowed_addresses[\(index)]")
            }
            return range
        }
        let at = now()
        if let expiry = draft.expiresAt, expiry <= at {
            throw ChamberError(.validationFailed, "expires_at is in the past", field: "expires_at")
        }
        let secret = Self.tokenPrefix + vault.newSecret()
        let key = ApiKey(
            id: .generate(), chamberID: access.chamberID, name: name, prefix: String(secret.prefix(12)), scopes: scopes.sorted(),
            allowedAddresses: ranges, expiresAt: draft.expiresAt, createdBy: access.userID, createdAt: at)
        try await store.apiKeys.insert(key, secretHash: vault.digest(secret))
        try await audit(key, actor: access.userID, "api_key.created", detail: "\(name): \(key.scopes.map(\.rawValue).joined(separator: " "))")
        return (key, secret)
    }

    /// The chamber's keys, newest first, revoked ones included (admins).
    public func list(_ access: ChamberAccess) async throws -> [ApiKey] {
        try requireAdmin(access)
        return try await store.apiKeys.list(chamberID: access.chamberID)
    }

    /// Revokes a live key of the chamber (admins); it stops working at once on every node.
    public func revoke(_ access: ChamberAccess, id: ApiKeyID) async throws {
        try requireAdmin(access)
        guard try await store.apiKeys.revoke(id: id, chamberID: access.chamberID, at: now()) else {
            throw ChamberError(.apiKeyNotFound, "no live API key \(id) in this chamber")
        }
        try await store.scoped(to: access.chamberID).auditLog.append(
            AuditEntry(
                chamberID: access.chamberID, actorID: access.userID, action: "api_key.revoked", target: "api_key:\(id)", detail: nil, at: now()))
    }

    /// The live key of a presented secret, if it may be used from `address`: `api_key_invalid` for an unknown,
    /// expired or revoked one, `api_key_not_allowed` for an address it does not allow.
    public func authenticate(secret: String, address: String?) async throws -> ApiKey {
        let invalid = ChamberError(.apiKeyInvalid, "this API key is not valid, or expired, or was revoked")
        guard secret.hasPrefix(Self.tokenPrefix), secret.count <= 128, let key = try await store.apiKeys.find(secretHash: vault.digest(secret)),
            key.isLive(at: now())
        else { throw invalid }
        guard key.allows(address: address) else {
            throw ChamberError(.apiKeyNotAllowed, "this API key is not allowed from \(address ?? "an unknown address")")
        }
        return key
    }

    /// Admits one request of `key` to a route its `scope` opens, within the key's rate and its address's (counted
    /// per chamber, so that one chamber's tool cannot use up another's share of a shared proxy address); answers
    /// whom the key acts as. Nothing is written: ``recordUse(_:request:)`` follows once the chamber admitted the maker.
    public func admit(_ key: ApiKey, scope: ApiKeyScope, address: String?) async throws -> Identity {
        guard key.scopes.contains(scope) else {
            throw ChamberError(.apiKeyScopeMissing, "this route needs the scope \(scope.rawValue), which this key lacks")
        }
        let at = now()
        var wait = await counter.take("key:\(key.id)", perMinute: perKeyPerMinute, now: at)
        if wait == nil { wait = await counter.take("address:\(key.chamberID):\(address ?? "-")", perMinute: perAddressPerMinute, now: at) }
        if let wait {
            throw ChamberError(.rateLimited, "too many requests; try again in \(wait) seconds", retryAfterSeconds: wait)
        }
        guard let maker = try await store.users.find(id: key.createdBy) else {
            throw ChamberError(.apiKeyInvalid, "the admin who made this API key no longer exists")
        }
        // A chamber that requires a second factor of its admins admits a key while its maker has one.
        let makerHasSecondFactor = try await store.twoFactor.find(userID: maker.id)?.enabledAt != nil
        return Identity(user: maker, sessionID: SessionID(key.id.rawValue), secondFactor: makerHasSecondFactor, throughApiKey: true)
    }

    /// Records an admitted use: the key's last use, and an audit entry naming the request.
    public func recordUse(_ key: ApiKey, request: String) async throws {
        let at = now()
        try await store.apiKeys.touch(id: key.id, at: at)
        try await audit(key, actor: nil, "api_key.used", detail: request)
    }

    private func requireAdmin(_ access: ChamberAccess) throws(ChamberError) {
        guard access.role == .admin else { throw ChamberError(.forbidden, "only the chamber's admins manage API keys") }
    }

    private func audit(_ key: ApiKey, actor: UserID?, _ action: String, detail: String?) async throws {
        try await store.scoped(to: key.chamberID).auditLog.append(
            AuditEntry(chamberID: key.chamberID, actorID: actor, action: action, target: "api_key:\(key.id)", detail: detail, at: now()))
    }
}
