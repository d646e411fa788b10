import ChamberDomain
import Foundation
import Synchronization
import Testing

/// What a file is (by its bytes), what each document kind accepts, and the file service's keeping and signed links
/// on a test clock, over in-memory stores.
@Suite("File rules")
struct FileRulesTests {
    static let pdf = Array("%PDF-1.4\n".utf8)
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]
    static let webp = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8 ".utf8)

    @Test(
        "the type is read from the first bytes",
        arguments: [
            (pdf, FileContentType?.some(.pdf)), (png, .png), (jpeg, .jpeg), (webp, .webp), (Array("RIFF\0\0\0\0WAVE".utf8), nil),
            (Array("MZ executable".utf8), nil), ([0x7F, 0x45, 0x4C, 0x46], nil), (Array("<svg onload=alert(1)>".utf8), nil),
            (Array("%PD".utf8), nil), ([], nil),
        ] as [([UInt8], FileContentType?)])
    func detection(_ bytes: [UInt8], _ expected: FileContentType?) {
        #expect(FileContentType.detect(bytes) == expected)
    }

    @Test(
        "what a kind accepts, and the name and declared type must agree with the bytes",
        arguments: [
            (DocumentKind.businessLicense, pdf, "license.pdf", "application/pdf", true),
            (.businessLicense, pdf, "license", nil, true),
            (.businessLicense, pdf, "license.PDF", "application/octet-stream", true),
            (.businessLicense, jpeg, "scan.jpeg", "image/jpeg; charset=binary", true),
            (.businessLicense, webp, "scan.webp", nil, false),
            (.logo, webp, "logo.webp", "image/webp", true),
            (.logo, pdf, "logo.pdf", nil, false),
            (.businessLicense, png, "license.pdf", nil, false),
            (.businessLicense, pdf, "license.pdf", "image/png", false),
            (.other, Array("#!/bin/sh".utf8), "notes.pdf", "application/pdf", false),
            (.businessLicense, pdf, "Acme Inc. license", nil, true),
            (.businessLicense, pdf, "license.exe", nil, false),
        ] as [(DocumentKind, [UInt8], String, String?, Bool)])
    func acceptance(_ kind: DocumentKind, _ bytes: [UInt8], _ name: String, _ declared: String?, _ accepted: Bool) async throws {
        let service = Self.service()
        do {
            _ = try await service.files.keep(
                FileUpload(bytes: bytes, name: name, declaredType: declared), kind: kind, chamberID: .generate(), owner: .generate())
            #expect(accepted)
        } catch let error as ChamberError {
            #expect(!accepted && error.code == .fileTypeRefused, "\(error)")
        }
    }

    @Test(
        "names lose folders, quotes and control characters",
        arguments: [
            ("../../etc/passwd.pdf", "passwd.pdf"), ("C:\\Users\\a\\license.pdf", "license.pdf"), ("a\"b\r\n.pdf", "ab.pdf"), ("..", "file"),
            ("", "file"), (String(repeating: "x", count: 300), String(repeating: "x", count: 200)),
        ])
    func cleaning(_ name: String, _ expected: String) async throws {
        let file = try await Self.service().files.keep(
            FileUpload(bytes: Self.pdf, name: name, declaredType: nil), kind: .other, chamberID: .generate(), owner: .generate())
        #expect(file.name == expected)
    }

    @Test("size limits, empty files, an infected upload is never stored, and a failed record leaves no bytes")
    func keeping() async throws {
        let small = Self.service(maxBytes: 16)
        await #expect(throws: ChamberError(.fileTooLarge, "a file may be at most 16 bytes; this one is 17", field: "file")) {
            try await small.files.keep(
                FileUpload(bytes: Self.pdf + Array(repeating: 0, count: 8), name: "a.pdf", declaredType: nil), kind: .other, chamberID: .generate(),
                owner: .generate())
        }
        await #expect {
            try await small.files.keep(
                FileUpload(bytes: [], name: "a.pdf", declaredType: nil), kind: .other, chamberID: .generate(), owner: .generate())
        } throws: {
            ($0 as? ChamberError)?.code == .validationFailed
        }
        let infected = Self.service(scanner: Flagging())
        await #expect {
            try await infected.files.keep(
                FileUpload(bytes: Self.pdf, name: "a.pdf", declaredType: nil), kind: .other, chamberID: .generate(), owner: .generate())
        } throws: {
            ($0 as? ChamberError)?.code == .fileInfected
        }
        #expect(infected.bytes.count == 0 && infected.records.count == 0)
        let failing = Self.service(records: MemoryRecords(failInserts: true))
        await #expect(throws: (any Error).self) {
            try await failing.files.keep(
                FileUpload(bytes: Self.pdf, name: "a.pdf", declaredType: nil), kind: .other, chamberID: .generate(), owner: .generate())
        }
        #expect(failing.bytes.count == 0, "bytes without a record are removed")
    }

    @Test("a link opens its file until it expires, and nothing else")
    func links() async throws {
        let clock = TestClock()
        let service = Self.service(clock: clock)
        let file = try await service.files.keep(
            FileUpload(bytes: Self.pdf, name: "a.pdf", declaredType: nil), kind: .businessLicense, chamberID: .generate(), owner: .generate())
        let link = service.files.link(to: file)
        #expect(link.expiresAt == clock.now.addingTimeInterval(900))
        let query = Dictionary(uniqueKeysWithValues: URLComponents(string: link.path)!.queryItems!.map { ($0.name, $0.value ?? "") })
        let (opened, bytes) = try await service.files.open(id: file.id.rawValue, expires: query["expires"], signature: query["signature"])
        #expect(opened == file && bytes == Self.pdf)
        clock.advance(900)
        _ = try await service.files.open(id: file.id.rawValue, expires: query["expires"], signature: query["signature"])
        clock.advance(1)
        await #expect(throws: ChamberError(.fileLinkExpired, "this file link expired; ask for the file again for a fresh one")) {
            try await service.files.open(id: file.id.rawValue, expires: query["expires"], signature: query["signature"])
        }
        let other = try await service.files.keep(
            FileUpload(bytes: Self.pdf, name: "b.pdf", declaredType: nil), kind: .other, chamberID: .generate(), owner: .generate())
        for (id, expires, signature) in [
            (other.id.rawValue, query["expires"], query["signature"]), (file.id.rawValue, "99999999999", query["signature"]),
            (file.id.rawValue, query["expires"], nil), (file.id.rawValue, nil, query["signature"]), ("../etc", query["expires"], query["signature"]),
        ] {
            await #expect { try await service.files.open(id: id, expires: expires, signature: signature) } throws: {
                ($0 as? ChamberError)?.code == .fileLinkInvalid
            }
        }
        try await service.files.remove(file)
        clock.advance(-1)
        await #expect { try await service.files.open(id: file.id.rawValue, expires: query["expires"], signature: query["signature"]) } throws: {
            ($0 as? ChamberError)?.code == .fileLinkInvalid
        }
    }

    // MARK: In-memory stand-ins

    struct Service {
        let files: FileService
        let bytes: MemoryBytes
        let records: MemoryRecords
    }

    static func service(
        maxBytes: Int = 1_000, scanner: any FileScanner = UnscannedFiles(), records: MemoryRecords = MemoryRecords(), clock: TestClock = TestClock()
    ) -> Service {
        let bytes = MemoryBytes()
        return Service(
            files: FileService(
                records: records, bytes: bytes, scanner: scanner, signer: ReversingSigner(), hasher: CountingHasher(),
                limits: FileLimits(maxBytes: maxBytes), now: { clock.now }),
            bytes: bytes, records: records)
    }

    final class TestClock: Sendable {
        private let instant = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        var now: Date { instant.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { instant.withLock { $0.addTimeInterval(seconds) } }
    }

    final class MemoryBytes: FileStore {
        private let objects = Mutex<[String: [UInt8]]>([:])
        var count: Int { objects.withLock { $0.count } }
        func put(_ bytes: [UInt8], key: String, contentType: String) async throws { objects.withLock { $0[key] = bytes } }
        func get(key: String) async throws -> [UInt8]? { objects.withLock { $0[key] } }
        func delete(key: String) async throws { _ = objects.withLock { $0.removeValue(forKey: key) } }
    }

    final class MemoryRecords: FileRecordStore {
        private let files = Mutex<[FileID: StoredFile]>([:])
        let failInserts: Bool
        init(failInserts: Bool = false) { self.failInserts = failInserts }
        var count: Int { files.withLock { $0.count } }
        func insert(_ file: StoredFile) async throws {
            if failInserts { throw ChamberError(.unavailable, "the database is down") }
            files.withLock { $0[file.id] = file }
        }
        func find(id: FileID) async throws -> StoredFile? { files.withLock { $0[id] } }
        func delete(id: FileID) async throws -> Bool { files.withLock { $0.removeValue(forKey: id) != nil } }
        // No messages here: no attachment is ever named.
        func markNamedAttachments(uploadedBefore cutoff: Date, at: Date) async throws -> Int { 0 }
        func isNamed(_ file: FileID) async throws -> Bool { false }
        func claimAttachment(_ id: FileID, channelID: ChannelID, owner: UserID, at: Date) async throws -> StoredFile? {
            files.withLock { $0[id] }.flatMap { $0.channelID == channelID && $0.ownerID == owner ? $0 : nil }
        }
        func deleteUnnamed(id: FileID) async throws -> Bool { files.withLock { $0.removeValue(forKey: id) != nil } }
        func unnamedAttachments(uploadedBefore cutoff: Date, limit: Int) async throws -> [StoredFile] {
            files.withLock { Array($0.values.filter { $0.kind == .messageAttachment && $0.createdAt < cutoff }.prefix(limit)) }
        }
    }

    /// Not a MAC: enough to tell one signed text from another in these tests.
    struct ReversingSigner: TextSigner {
        func signature(of text: String) -> String { String(text.reversed()).replacingOccurrences(of: ".", with: "_") }
    }

    struct CountingHasher: ContentHasher {
        func sha256Hex(_ bytes: [UInt8]) -> String { "\(bytes.count)" }
    }

    struct Flagging: FileScanner {
        func scan(_ bytes: [UInt8], contentType: FileContentType) async -> FileScan { FileScan(.infected, "EICAR test signature") }
    }
}
