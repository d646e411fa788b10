import ChamberDomain
import Foundation

struct SQLDeviceStore: DeviceStore {
    let db: any SQLDatabase

    static let columns = """
        d.id, d.user_id, d.session_id, d.platform, d.token, d.apns_topic, d.apns_environment, d.web_push_p256dh, d.web_push_auth,
        d.name, d.created_at, d.registered_at
        """

    static func device(_ row: SQLRow) throws -> Device {
        let token = try row.string("token")
        let address: PushAddress
        switch DevicePlatform(rawValue: try row.string("platform")) {
        case .apns:
            address = .apns(
                token: token, topic: try row.optionalString("apns_topic") ?? "",
                environment: APNsEnvironment(rawValue: try row.optionalString("apns_environment") ?? "") ?? .production)
        case .fcm:
            address = .fcm(token: token)
        case .webPush:
            guard let key = Base64URL.decode(try row.optionalString("web_push_p256dh") ?? ""),
                let auth = Base64URL.decode(try row.optionalString("web_push_auth") ?? "")
            else { throw StorageError.typeMismatch("web_push_p256dh", "base64url keys") }
            address = .webPush(endpoint: token, p256dh: key, auth: auth)
        case nil:
            throw StorageError.typeMismatch("platform", "a device platform")
        }
        return Device(
            id: try row.id("id"), userID: try row.id("user_id"), sessionID: try row.id("session_id"), address: address,
            name: try row.optionalString("name"), createdAt: try row.date("created_at"), registeredAt: try row.date("registered_at"))
    }

    func register(_ device: Device, limit: Int) async throws -> (device: Device, created: Bool) {
        try await db.transaction { tx in
            var stored = device
            // Registrations of one user are ordered by time even within one millisecond, so that the one removed past
            // the limit is always the one registered longest ago.
            if let latest = try await tx.query("SELECT max(registered_at) AS latest FROM devices WHERE user_id = ?", [.id(device.userID)])
                .first.flatMap({ try $0.optionalDate("latest") }), latest >= stored.registeredAt
            {
                stored.registeredAt = latest.addingTimeInterval(0.001)
            }
            var topic: String?
            var environment: String?
            var key: String?
            var auth: String?
            switch device.address {
            case .apns(_, let apnsTopic, let apnsEnvironment):
                topic = apnsTopic
                environment = apnsEnvironment.rawValue
            case .fcm: break
            case .webPush(_, let p256dh, let secret):
                key = Base64URL.encode(p256dh)
                auth = Base64URL.encode(secret)
            }
            // One statement decides between new and known, so two apps registering one token at once cannot both insert.
            let row = try await tx.query(
                """
                INSERT INTO devices (id, user_id, session_id, platform, token, apns_topic, apns_environment, web_push_p256dh, web_push_auth,
                    name, created_at, registered_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (platform, token) DO UPDATE SET user_id = excluded.user_id, session_id = excluded.session_id,
                    apns_topic = excluded.apns_topic, apns_environment = excluded.apns_environment,
                    web_push_p256dh = excluded.web_push_p256dh, web_push_auth = excluded.web_push_auth, name = excluded.name,
                    registered_at = excluded.registered_at
                RETURNING id, created_at
                """,
                [
                    .id(stored.id), .id(stored.userID), .id(stored.sessionID), .text(stored.address.platform.rawValue), .text(stored.address.key),
                    .text(topic), .text(environment), .text(key), .text(auth), .text(stored.name), .date(stored.createdAt),
                    .date(stored.registeredAt),
                ]
            ).first
            guard let row else { throw StorageError.typeMismatch("id", "the registered device") }
            let id: DeviceID = try row.id("id")
            let created = id == stored.id
            stored = Device(
                id: id, userID: stored.userID, sessionID: stored.sessionID, address: stored.address, name: stored.name,
                createdAt: try row.date("created_at"), registeredAt: stored.registeredAt)
            // Devices of sessions that ended go first; then the oldest registrations beyond the limit.
            try await tx.query(
                """
                DELETE FROM devices WHERE user_id = ? AND session_id IN
                    (SELECT id FROM auth_sessions WHERE user_id = ? AND (revoked_at IS NOT NULL OR expires_at <= ?))
                """, [.id(stored.userID), .id(stored.userID), .date(stored.registeredAt)])
            try await tx.query(
                """
                DELETE FROM devices WHERE user_id = ? AND id NOT IN
                    (SELECT id FROM devices WHERE user_id = ? ORDER BY registered_at DESC, id DESC LIMIT ?)
                """, [.id(stored.userID), .id(stored.userID), .int(Int64(limit))])
            return (stored, created)
        }
    }

    func list(userID: UserID, activeAt instant: Date) async throws -> [Device] {
        try await db.query(
            """
            SELECT \(Self.columns) FROM devices d JOIN auth_sessions s ON s.id = d.session_id
            WHERE d.user_id = ? AND s.revoked_at IS NULL AND s.expires_at > ?
            ORDER BY d.registered_at DESC, d.id DESC
            """, [.id(userID), .date(instant)]
        ).map(Self.device)
    }

    func remove(id: DeviceID, userID: UserID) async throws -> Bool {
        !(try await db.query("DELETE FROM devices WHERE id = ? AND user_id = ? RETURNING id", [.id(id), .id(userID)]).isEmpty)
    }
}
