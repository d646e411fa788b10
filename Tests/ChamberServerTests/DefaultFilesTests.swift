import ChamberServer
import Foundation
import Testing

/// The shipped defaults are found wherever the binary starts, as a service manager starts it; without them a node
/// refuses to start rather than run with no moderation.
@Suite("Configuration: finding the shipped defaults")
struct DefaultFilesTests {
    /// The package's root folder.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test("found from the working directory, from beside the executable, or where CHAMBER_CONFIG_DIR says")
    func locate() async throws {
        let elsewhere = FileManager.default.temporaryDirectory.appendingPathComponent("elsewhere-\(UUID())").path
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        let inRepo = DefaultFiles.locate(environment: [:], workingDirectory: Self.root, executable: nil)
        #expect(inRepo.directory == Self.root + "/Config")
        let fromBinary = DefaultFiles.locate(environment: [:], workingDirectory: elsewhere, executable: Self.root + "/.build/release/chamberconnect")
        #expect(fromBinary.directory == Self.root + "/Config" && fromBinary.rulesFile == Self.root + "/Config/moderation/rules.json")
        #expect(
            fromBinary.wordListFile == Self.root + "/Config/moderation/words.txt"
                && fromBinary.configFile == Self.root + "/Config/chamberconnect.json")
        #expect(fromBinary.openAPIFile == Self.root + "/Protocol/openapi.yaml", "the API description beside them, for /docs")
        let named = DefaultFiles.locate(environment: ["CHAMBER_CONFIG_DIR": Self.root + "/Config"], workingDirectory: elsewhere, executable: nil)
        #expect(named.directory == Self.root + "/Config")
    }

    @Test("without the shipped rules, loading refuses and names where it looked and the fix")
    func refuses() async throws {
        let elsewhere = FileManager.default.temporaryDirectory.appendingPathComponent("elsewhere-\(UUID())").path
        let nowhere = DefaultFiles.locate(environment: [:], workingDirectory: elsewhere, executable: "/usr/local/bin/chamberconnect")
        #expect(nowhere.directory == nil && nowhere.searched.contains(elsewhere + "/Config"))
        do {
            _ = try await ConfigurationLoader.load(file: nil, environment: [:], defaults: nowhere)
            Issue.record("a node without moderation rules was allowed to start")
        } catch let error as ConfigurationError {
            #expect(
                error.key == "moderation.rules_file" && error.message.contains(elsewhere + "/Config") && error.message.contains("CHAMBER_CONFIG_DIR"))
        }
        // Named files need no shipped folder.
        let named = try await ConfigurationLoader.load(
            file: nil, environment: ["CHAMBER_MODERATION_RULES_FILE": Self.root + "/Config/moderation/rules.json"],
            defaults: nowhere)
        #expect(named.moderationRulesFile == Self.root + "/Config/moderation/rules.json" && named.wordListFile == nil)
    }

    @Test("the binary started from another folder finds the shipped rules and says which files it loaded")
    func binaryFromElsewhere() async throws {
        let binary = ProcessInfo.processInfo.environment["CHAMBER_TEST_BINARY"] ?? Self.root + "/.build/debug/chamberconnect"
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build chamberconnect first (swift build)")
        let elsewhere = FileManager.default.temporaryDirectory.appendingPathComponent("elsewhere-\(UUID())")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["migrate", "--database-url", "sqlite://\(elsewhere.path)/db.sqlite"]
        process.currentDirectoryURL = elsewhere
        process.environment = ["PATH": "/usr/bin:/bin", "CHAMBER_AUTH_JWT_SECRET_FILE": elsewhere.path + "/jwt", "CHAMBER_LOG_LEVEL": "info"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let log = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(log)")
        #expect(
            log.contains("configuration loaded") && log.contains(Self.root + "/Config/moderation/rules.json")
                && log.contains(Self.root + "/Config/moderation/words.txt"), "\(log)")
    }
}
