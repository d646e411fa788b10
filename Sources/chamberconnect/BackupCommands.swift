import ArgumentParser
import ChamberServer
import ChamberStorage
import Foundation

/// `chamberconnect backup`: a consistent copy of the embedded SQLite database, taken while nodes serve.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a consistent copy of the SQLite database while the node serves (PostgreSQL: pg_dump, see README).",
        discussion: "With --check FILE, checks a copy instead: its integrity, and what it holds.")

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "The new file to write the copy to.")
    var to: String?

    @Option(name: .long, help: "A copy to check rather than take.")
    var check: String?

    func run() async throws {
        if let check {
            print("\(check): ok, \(try SQLiteBackup.check(check))")
            return
        }
        guard let to else { throw ValidationError("give --to FILE (the copy to write), or --check FILE") }
        let path = try await sqlitePath(common, for: "backup")
        let summary = try SQLiteBackup.backup(from: path, to: to)
        print("\(to): a copy of \(path) as it was when the copy began; \(summary)")
    }
}

/// `chamberconnect restore`: loads a copy into the SQLite database file, with every node stopped.
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load a copy made by `backup` into the SQLite database (stop every node using it first).")

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "The copy to load.")
    var from: String

    @Flag(name: .long, help: "Replace the database if it exists (it is gone for good).")
    var force = false

    func run() async throws {
        let path = try await sqlitePath(common, for: "restore")
        let summary = try SQLiteBackup.restore(from: from, to: path, replacing: force)
        print("\(path): restored from \(from); \(summary)")
    }
}

/// The configured database's file, or a refusal naming what to do for PostgreSQL.
private func sqlitePath(_ common: CommonOptions, for command: String) async throws -> String {
    let postgres = ValidationError(
        "\(command) copies the SQLite database; for PostgreSQL use pg_dump and pg_restore as README's \"Backup and restore\" shows")
    // Said before the whole configuration is read, which asks a PostgreSQL node for secrets this command does not need.
    if let url = common.databaseURL, case .postgres = try DatabaseLocation(url: url) { throw postgres }
    let (configuration, _) = try await common.load()
    switch try DatabaseLocation(url: configuration.databaseURL) {
    case .sqlite(let path) where path != ":memory:":
        return path
    case .sqlite:
        throw ValidationError("an in-memory database has nothing to \(command)")
    case .postgres:
        throw postgres
    }
}
