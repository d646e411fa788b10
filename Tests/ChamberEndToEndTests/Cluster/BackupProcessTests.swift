import ChamberTestSupport
import Foundation
import Testing

/// `chamberconnect backup` while a node stores sends as fast as it can, then `restore` and a node on the copy: every
/// message acknowledged before the copy began is in it, at its sequence (README "Backup and restore").
@Suite("Backup and restore of a serving node", .serialized)
struct BackupProcessTests {
    @Test("a copy taken under load holds every message acknowledged before it began; restored, a node serves it")
    func backupUnderLoad() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chamber-backup-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let live = "sqlite://\(folder.path)/live.sqlite"
        var environment = try await ServerProcess.singleNodeEnvironment(.sqlite, ["CHAMBER_HUB_INBOUND_FRAMES_PER_SECOND": "10000"])
        environment["CHAMBER_DATABASE_URL"] = live
        let server = try ServerProcess(name: "backup-live", environment: environment)
        try await server.waitReady()
        let admin = try await CrashRecoveryProcessTests.account(on: server.port)
        let (_, chamber) = try await HTTP.call(
            port: server.port, "POST", "/v1/chambers", token: admin, json: ["name": "Backup Chamber", "slug": unique("backup")])
        let chamberID = chamber["id"].string ?? ""
        let (_, channel) = try await HTTP.call(
            port: server.port, "POST", "/v1/chambers/\(chamberID)/channels", token: admin, json: ["kind": "group", "name": "Busy room"])
        let channelID = channel["id"].string ?? ""
        let client = WSTestClient(port: server.port, chamberID: chamberID, token: admin)
        try await client.welcome()
        for n in 0..<3_000 {
            client.send(["type": "send", "id": "\(n)", "channel_id": channelID, "client_message_id": "b-\(n)", "body": "message \(n)"])
        }
        try await eventually("the first acknowledgements", timeout: .seconds(60)) { client.pending("ack").count >= 200 }
        // What was acknowledged before the copy began must be in it; sends go on while it is taken.
        let acknowledged = Self.published(client)
        let copy = folder.appendingPathComponent("copy.sqlite").path
        let backup = try await Self.run(["backup", "--database-url", live, "--to", copy])
        #expect(backup.status == 0, "\(backup.output)")
        // On a busy machine no acknowledgement may land while the copy is taken: the node must go on serving after it.
        try await eventually("the node serves on", timeout: .seconds(30)) {
            Self.published(client).count > acknowledged.count || client.pending("ack").count == 3_000
        }
        let overLive = try await Self.run(["restore", "--database-url", live, "--from", copy, "--force"])
        #expect(overLive.status != 0 && overLive.output.contains("open in another process"), "a serving node's database: \(overLive.output)")
        server.killHard()
        let check = try await Self.run(["backup", "--check", copy])
        #expect(check.status == 0 && check.output.contains("ok"), "\(check.output)")

        let restoredURL = "sqlite://\(folder.path)/restored/db.sqlite"
        let restore = try await Self.run(["restore", "--database-url", restoredURL, "--from", copy])
        #expect(restore.status == 0, "\(restore.output)")
        let again = try await Self.run(["restore", "--database-url", restoredURL, "--from", copy])
        #expect(again.status != 0 && again.output.contains("--force"), "an existing database is replaced only when asked: \(again.output)")
        environment["CHAMBER_DATABASE_URL"] = restoredURL
        let restored = try ServerProcess(name: "backup-restored", environment: environment)
        try await restored.waitReady()
        defer { restored.killHard() }
        var stored: [String: Int] = [:]
        var after = 0
        while true {
            let (status, page) = try await HTTP.call(
                port: restored.port, "GET", "/v1/chambers/\(chamberID)/channels/\(channelID)/messages?after=\(after)&limit=100", token: admin)
            #expect(status == 200, "\(page)")
            let items = page["items"].array
            guard !items.isEmpty else { break }
            for item in items { stored[item["client_message_id"].string ?? ""] = item["seq"].int }
            after = items.last?["seq"].int ?? after
        }
        let missing = acknowledged.filter { stored[$0.key] != $0.value }
        #expect(missing.isEmpty, "acknowledged before the copy, not in it at its sequence: \(missing.prefix(5))")
        #expect(Set(stored.values) == Set(1...max(1, stored.count)), "one gapless sequence in the copy")
    }

    /// The client message ids the node acknowledged as published, with their sequences.
    static func published(_ client: WSTestClient) -> [String: Int] {
        var acknowledged: [String: Int] = [:]
        for ack in client.pending("ack") where ack["status"].string == "published" {
            acknowledged[ack["client_message_id"].string ?? ""] = ack["seq"].int
        }
        return acknowledged
    }

    /// Runs `chamberconnect` with `arguments` (and `environment` beside the tests' own) to the end; its exit status
    /// and what it printed.
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServerProcess.binary)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.arguments = arguments + ["--log-level", "warning"]
        process.currentDirectoryURL = FrameSchemas.root.deletingLastPathComponent()
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }
        }
        return (process.terminationStatus, output)
    }
}
