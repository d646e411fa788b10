import ChamberDomain
import Foundation

/// The domain's ``Store`` over SQL, the same code for SQLite and PostgreSQL.
public struct SQLStore: Store {
    public let database: any SQLDatabase
    /// Stores sends by group commit (``MessageAppendBatch``); one per store, shared by every chamber's scope.
    let messageWriter: GroupCommit<Message, AppendOutcome>
    /// How sealed columns (tax ids) are sealed, opened and found.
    public let fields: SealedFields

    public init(database: any SQLDatabase, fields: SealedFields, batchLimits: GroupCommit<Message, AppendOutcome>.Limits = .init()) {
        self.database = database
        self.fields = fields
        self.messageWriter = GroupCommit(limits: batchLimits, bytes: \.approximateBytes) { drafts in
            await MessageAppendBatch.store(drafts, in: database)
        }
    }

    public var users: any UserStore { SQLUserStore(db: database) }
    public var sessions: any SessionStore { SQLSessionStore(db: database) }
    public var passwordResets: any PasswordResetStore { SQLPasswordResetStore(db: database) }
    public var twoFactor: any TwoFactorStore { SQLTwoFactorStore(db: database) }
    public var apiKeys: any ApiKeyStore { SQLApiKeyStore(db: database) }
    public var chambers: any ChamberStore { SQLChamberStore(db: database) }
    public var mailOutbox: any MailOutboxStore { SQLMailOutboxStore(db: database) }
    /// Every chamber's webhook deliveries, for the nodes' workers.
    public var webhookOutbox: any WebhookOutboxStore { SQLWebhookOutboxStore(db: database) }
    public var notificationEmails: any NotificationEmailStore { SQLNotificationEmailStore(db: database) }
    public var devices: any DeviceStore { SQLDeviceStore(db: database) }
    public var notificationFanout: any NotificationFanoutStore { SQLNotificationFanoutStore(db: database) }
    public var pushOutbox: any PushOutboxStore { SQLPushOutboxStore(db: database) }
    public var noticeOutbox: any NoticeOutboxStore { SQLNoticeOutboxStore(db: database) }
    public var applications: any ApplicantApplicationStore { SQLApplicantApplicationStore(db: database, fields: fields) }
    public var files: any FileRecordStore { SQLFileRecordStore(db: database) }
    public var eventUpkeep: any EventUpkeepStore { SQLEventUpkeepStore(db: database) }
    public var paymentEvents: any PaymentEventStore { SQLPaymentEventStore(db: database) }
    public var signIn: any SignInStore { SQLSignInStore(db: database) }
    public var exportQueue: any DataExportQueue { SQLDataExportQueue(db: database) }
    public var erasure: any AccountErasureStore { SQLAccountErasureStore(db: database) }

    public func scoped(to chamber: ChamberID) -> any ChamberScopedStore {
        SQLChamberScope(sql: ChamberScopedSQL(executor: database, chamberID: chamber, fields: fields), messageWriter: messageWriter)
    }

    public func ping() async throws {
        try await database.query("SELECT 1 AS ok")
    }
}

extension PageRequest {
    /// Fetch one row more than the page holds, to learn whether another page follows.
    var sqlBinds: [SQLValue] { [.int(Int64(limit + 1)), .int(Int64(offset))] }
}
