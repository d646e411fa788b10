import Foundation

/// A chamber's retention: messages and audit entries older than it keeps them are archived to a file, then removed.
///
/// Safe on every node at once: a batch is the oldest rows in a fixed order, its archive is named by its first row
/// and written whole under that name, and the record and the removal are one transaction, so two nodes archiving the
/// same rows write the same file and one record. A node that dies between the file and the removal leaves a file the
/// next run writes again.
public final class RetentionService: Sendable {
    private let store: any Store
    private let files: any FileStore
    private let now: @Sendable () -> Date
    /// Rows per archive.
    public let batchSize: Int
    /// Archives per chamber and kind in one run; the rest waits for the next.
    public let batchesPerRun: Int

    public init(
        store: any Store, files: any FileStore, batchSize: Int = 1_000, batchesPerRun: Int = 20, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.files = files
        self.batchSize = batchSize
        self.batchesPerRun = batchesPerRun
        self.now = now
    }

    /// One run over every chamber that keeps something for a time. Returns how many rows it removed.
    public func run() async throws -> Int {
        try await eachChamber(in: store) { chamber in
            var removed = 0
            for kind in RetentionKind.allCases {
                guard let days = chamber.settings.retention.days(of: kind) else { continue }
                removed += try await sweep(kind, of: chamber.id, olderThan: now().addingTimeInterval(-Double(days) * 86_400))
            }
            return removed
        }
    }

    private func sweep(_ kind: RetentionKind, of chamberID: ChamberID, olderThan cutoff: Date) async throws -> Int {
        let scoped = store.scoped(to: chamberID).retention
        var removed = 0
        for _ in 0..<batchesPerRun {
            guard let expired = try await scoped.expired(kind, before: cutoff, limit: batchSize), let first = expired.ids.first else { break }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var bytes: [UInt8] = []
            for row in expired.rows {
                bytes += try encoder.encode(row)
                bytes.append(UInt8(ascii: "\n"))
            }
            let archive = RetentionArchive(
                id: "\(kind.rawValue)-\(first)", chamberID: chamberID, kind: kind, from: expired.from, to: expired.to, count: expired.ids.count,
                size: bytes.count, createdAt: now())
            try await files.put(bytes, key: archive.key, contentType: "application/x-ndjson")
            try await scoped.archive(archive, removing: expired.ids)
            removed += expired.ids.count
            if expired.ids.count < batchSize { break }
        }
        return removed
    }

    /// The chamber's archives, newest first (admins).
    public func archives(_ access: ChamberAccess) async throws -> [RetentionArchive] {
        try requireAdmin(access)
        return try await store.scoped(to: access.chamberID).retention.archives()
    }

    /// An archive's file (admins; the download is audited).
    public func download(_ access: ChamberAccess, id: String) async throws -> (archive: RetentionArchive, bytes: [UInt8]) {
        try requireAdmin(access)
        guard id.count <= 100, let archive = try await store.scoped(to: access.chamberID).retention.find(archive: id),
            let bytes = try await files.get(key: archive.key)
        else { throw ChamberError(.notFound, "no archive \(id) in this chamber") }
        try await store.scoped(to: access.chamberID).auditLog.append(
            AuditEntry(
                chamberID: access.chamberID, actorID: access.userID, action: "retention.archive_downloaded", target: "archive:\(id)", detail: nil,
                at: now()))
        return (archive, bytes)
    }

    private func requireAdmin(_ access: ChamberAccess) throws(ChamberError) {
        guard access.role == .admin else { throw ChamberError(.forbidden, "only the chamber's admins reach its archives") }
    }
}
