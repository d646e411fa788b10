import Foundation

/// A chamber's retention: messages and audit entries older than it keeps them are archived to a file, then removed.
///
/// Safe on every node at once: a batch is read, written to its file, recorded and removed in one transaction that
/// holds its rows, so another node (or an edit) waits for it and then finds them gone. A node that dies after writing
/// the file and before committing leaves a file no record names; the next run archives the rows again.
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
        let (files, now) = (files, now)
        for _ in 0..<batchesPerRun {
            let count = try await scoped.sweep(kind, before: cutoff, limit: batchSize) { expired in
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                var bytes: [UInt8] = []
                for row in expired.rows {
                    bytes += try encoder.encode(row)
                    bytes.append(UInt8(ascii: "\n"))
                }
                let checksum = String(CRC32.checksum(Array(expired.ids.joined(separator: ",").utf8)), radix: 16)
                let archive = RetentionArchive(
                    id: "\(kind.rawValue)-\(expired.ids.first ?? "")-\(checksum)", chamberID: chamberID, kind: kind, from: expired.from,
                    to: expired.to, count: expired.ids.count, size: bytes.count, createdAt: now())
                try await files.put(bytes, key: archive.key, contentType: "application/x-ndjson")
                return archive
            }
            removed += count
            if count < batchSize { break }
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
