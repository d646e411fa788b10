import ArgumentParser
import ChamberLoadKit
import Foundation

@main
struct ChamberLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chamber-load",
        abstract: "Load-tests a ChamberConnect server: thousands of simulated members over WebSocket.",
        subcommands: [Run.self, Provision.self, Worker.self, PushScenario.self, DirectoryScenario.self],
        defaultSubcommand: Run.self)
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a scenario (a file in LoadTests/scenarios/, or its name).")

    @Argument(help: "Scenario name (big-event, direct, reconnect-storm, idle) or path to a scenario JSON file.")
    var scenario: String

    @Option(name: .customLong("set"), help: "Override a scenario field, key=value (e.g. --set connections=2000). Repeatable.")
    var overrides: [String] = []

    @Option(help: "A server node as http://host:port. Repeat for a cluster: connections are spread over the nodes.")
    var url: [String] = ["http://127.0.0.1:8080"]

    @Option(help: "Platform admin who provisions the load-test accounts.")
    var adminEmail = "platform@demo.chamberconnect.test"

    @Option(help: "That admin's password (the demo's by default).")
    var adminPassword = "chamber-demo-2026"

    @Option(help: "The server's process id: its CPU and memory are read from /proc (CPU per message, memory per connection).")
    var serverPid: Int32?

    @Option(help: "Write the results as JSON to this file ('-' for standard output).")
    var json: String?

    @Option(help: "Write the HTML report to this file.")
    var html: String?

    @Option(help: "Folder for the JSON and HTML results when --json/--html are not given.")
    var output = "load-results"

    func run() async throws {
        let path = scenario.hasSuffix(".json") ? scenario : Self.scenarioFolder() + "/\(scenario).json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("no scenario file at \(path); scenarios: big-event, direct, reconnect-storm, idle")
        }
        let loaded: Scenario
        do {
            loaded = try Scenario.load(data, overrides: overrides)
        } catch {
            throw ValidationError("\(path): \(error)")
        }
        let servers = try url.map { raw -> String in
            guard let components = URLComponents(string: raw), let host = components.host,
                let port = components.port ?? (components.scheme == "http" ? 80 : nil)
            else {
                throw ValidationError("--url \(raw) must look like http://127.0.0.1:8080")
            }
            guard host.hasPrefix("127.") || host == "localhost" || host == "::1" else {
                throw ValidationError("--url \(raw): load tests run on loopback only (127.0.0.0/8)")
            }
            return "\(host == "localhost" ? "127.0.0.1" : host):\(port)"
        }
        let coordinator = Coordinator(
            scenario: loaded, servers: servers,
            provisioner: Provisioner(
                baseURL: url[0].trimmingCharacters(in: CharacterSet(charactersIn: "/")), email: adminEmail, password: adminPassword),
            serverPID: serverPid, executable: Self.executablePath())
        let result: RunResult
        do {
            result = try await coordinator.run()
        } catch let error as ScenarioError {
            throw ValidationError(error.description)
        }
        print(result.summary)
        let stamp = ISO8601DateFormatter().string(from: result.startedAt).replacingOccurrences(of: ":", with: "")
        let jsonPath = json ?? "\(output)/\(loaded.name)-\(stamp).json"
        let htmlPath = html ?? "\(output)/\(loaded.name)-\(stamp).html"
        if jsonPath == "-" {
            FileHandle.standardOutput.write(try result.json())
        } else {
            try Self.write(try result.json(), to: jsonPath)
            print("JSON: \(jsonPath)")
        }
        try Self.write(Data(HTMLReport.render(result).utf8), to: htmlPath)
        print("HTML: \(htmlPath)")
        if !result.intact { throw ExitCode(2) }
    }

    static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// LoadTests/scenarios of the checkout, found from the working directory.
    static func scenarioFolder() -> String {
        let here = FileManager.default.currentDirectoryPath
        for candidate in ["LoadTests/scenarios", "scenarios", "../LoadTests/scenarios"]
        where FileManager.default.fileExists(atPath: here + "/" + candidate) {
            return here + "/" + candidate
        }
        return "LoadTests/scenarios"
    }
}

struct Provision: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Provision load-test accounts for an outside client (../shared/bench): a tokens file and shell variables.",
        discussion: "Writes one member token per line to --tokens-file and prints CHAMBER_ID, ROOM_ID and ADMIN_TOKEN as shell assignments.")

    @Option(help: "Member accounts.")
    var members: Int

    @Option(help: "The server, http://host:port.")
    var url = "http://127.0.0.1:8080"

    @Option(help: "Platform admin who provisions the accounts.")
    var adminEmail = "platform@demo.chamberconnect.test"

    @Option(help: "That admin's password (the demo's by default).")
    var adminPassword = "chamber-demo-2026"

    @Option(help: "Where to write the member tokens, one per line.")
    var tokensFile = "load-results/tokens.txt"

    @Option(help: "Token lifetime in seconds.")
    var tokenTtl = 7200

    func run() async throws {
        let cohort = try await Provisioner(baseURL: url, email: adminEmail, password: adminPassword)
            .provision(members: members, admins: 1, tokenSeconds: tokenTtl)
        let tokens = cohort.accounts.filter { $0.role == "member" }.map(\.accessToken).joined(separator: "\n") + "\n"
        try Run.write(Data(tokens.utf8), to: tokensFile)
        print("CHAMBER_ID=\(cohort.chamberId)")
        print("EVENT_ID=\(cohort.eventId)")
        print("ROOM_ID=\(cohort.roomId)")
        print("ANNOUNCEMENTS_ID=\(cohort.announcementsId)")
        print("ADMIN_TOKEN=\(cohort.accounts.first { $0.role == "admin" }?.accessToken ?? "")")
    }
}

struct Worker: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "One worker process (started by run).", shouldDisplay: false)

    @Argument var planFile: String

    func run() throws {
        do {
            let plan = try JSONDecoder().decode(WorkerPlan.self, from: Data(contentsOf: URL(fileURLWithPath: planFile)))
            try LoadWorker(plan: plan).run()
        } catch {
            FileHandle.standardOutput.write(Data((WorkerLine.fatal("\(error)").encoded + "\n").utf8))
            throw ExitCode.failure
        }
    }
}
