import ChamberLoadKit
import Foundation

/// Runs a scenario: provisions accounts, starts the workers, shows live progress, merges the reports, reads the
/// server's CPU and memory from /proc, and writes the summary, JSON and HTML.
struct Coordinator {
    let scenario: Scenario
    let servers: [String]
    let provisioner: Provisioner
    let serverPID: Int32?
    let executable: String

    func run() async throws -> RunResult {
        let fileLimit = Self.openFileLimit()
        let plan = try Plan.make(scenario, servers: servers.count, fileLimit: fileLimit)
        let admins = scenario.kind == .direct ? 1 : scenario.admins
        let provisioningStart = Date()
        log("provisioning \(scenario.connections) accounts on \(provisioner.baseURL) …")
        let cohort = try await provisioner.provision(
            members: scenario.connections - (scenario.kind == .direct ? 0 : admins), admins: admins,
            tokenSeconds: Int(scenario.rampSeconds + scenario.durationSeconds + scenario.drainSeconds) + 600)
        if scenario.floodMessages > 0, let admin = cohort.accounts.first(where: { $0.role == "admin" }) {
            _ = try await provisioner.send(
                "PUT", "/v1/chambers/\(cohort.chamberId)/moderation/settings",
                body: ["flood": ["messages": scenario.floodMessages, "window_seconds": 10]], token: admin.accessToken)
            log("flood control: \(scenario.floodMessages) messages per member and channel in 10 s")
        }
        // Direct runs use the members in pairs; the one admin account is not a participant.
        var accounts = cohort.accounts.map { LoadAccount(userID: $0.userId, token: $0.accessToken, isAdmin: $0.role == "admin") }
        if scenario.kind == .direct { accounts.removeFirst(admins) }
        log(
            String(
                format: "provisioned in %.1f s; %d workers, %d source addresses", Date().timeIntervalSince(provisioningStart),
                plan.workerRanges.count, plan.sourceAddresses))
        log("event \(cohort.eventId) (every member registered), its room \(cohort.roomId)")

        let baseline = serverPID.flatMap(ProcessUsage.read)
        let startNanos = wallNanos() + 1_500_000_000
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chamber-load-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var workers: [WorkerProcess] = []
        for (index, range) in plan.workerRanges.enumerated() {
            let workerPlan = WorkerPlan(
                worker: index, scenario: scenario, servers: servers, chamberID: cohort.chamberId, roomID: cohort.roomId,
                announcementsID: cohort.announcementsId, accounts: accounts, range: range, sourceAddresses: plan.sourceAddresses,
                startNanos: startNanos)
            let file = directory.appendingPathComponent("worker-\(index).json")
            try JSONEncoder().encode(workerPlan).write(to: file)
            workers.append(try WorkerProcess(executable: executable, planFile: file.path, index: index))
        }
        let reference = WorkerPlan(
            worker: 0, scenario: scenario, servers: servers, chamberID: "", roomID: "", announcementsID: "",
            accounts: [], range: 0..<0, sourceAddresses: 0, startNanos: startNanos)
        var timeline: Timeline?

        var usageAtTrafficStart: ProcessUsage?
        var usageConnected: ProcessUsage?
        var usageAtEnd: ProcessUsage?
        var peak = baseline?.residentBytes ?? 0
        var rampSeconds = 0.0
        var lastLive: Int64 = 0
        // Until every worker reported or ended and its last line was read: a worker exits soon after printing its
        // report, and on a busy machine the reader may not have parsed that (long) line yet.
        while workers.contains(where: { $0.report == nil && ($0.isRunning || !$0.outputEnded) }) {
            try await Task.sleep(for: .milliseconds(100))
            let now = wallNanos()
            if timeline == nil {
                // Measure once everyone is up (or the ramp-up ran out of time): all workers start together.
                let connected = workers.compactMap(\.progress).reduce(0) { $0 + $1.connected }
                if connected >= scenario.connections || now >= reference.rampDeadlineNanos {
                    let go = Timeline(trafficStartNanos: now + 300_000_000, scenario: scenario)
                    workers.forEach { $0.start(go) }
                    timeline = go
                    rampSeconds = Double(now - startNanos) / 1e9
                    if connected < scenario.connections {
                        log("\nramp-up deadline: \(connected) of \(scenario.connections) connected; measuring anyway")
                    }
                }
            }
            if let pid = serverPID, let usage = ProcessUsage.read(pid: pid) {
                peak = max(peak, usage.residentBytes)
                if usageAtTrafficStart == nil, let timeline, now >= timeline.trafficStartNanos {
                    usageAtTrafficStart = usage
                    usageConnected = usage
                }
                if usageAtEnd == nil, let timeline, now >= timeline.reportNanos { usageAtEnd = usage }
            }
            if now - lastLive >= 1_000_000_000 {
                lastLive = now
                printLive(workers, now: now, timeline: timeline, rampStart: startNanos)
            }
            if let timeline, now > timeline.reportNanos + 60_000_000_000 {
                log("\nworkers did not report within 60 s of the end; stopping them")
                workers.forEach { $0.terminate() }
                break
            }
        }
        FileHandle.standardError.write(Data("\n".utf8))
        for worker in workers where worker.report == nil {
            throw Provisioner.ProvisionError(
                description: "worker \(worker.index) ended without a report: \(worker.fatal ?? "exit status \(worker.exitStatus)")")
        }
        var server: ServerUsage?
        if let baseline, let start = usageAtTrafficStart {
            let end = usageAtEnd ?? serverPID.flatMap(ProcessUsage.read) ?? start
            server = ServerUsage(
                cpuSeconds: end.cpuSeconds - start.cpuSeconds, rssBaselineBytes: baseline.residentBytes,
                rssConnectedBytes: usageConnected?.residentBytes ?? start.residentBytes, rssPeakBytes: peak)
        }
        let measured = scenario.durationSeconds + scenario.drainSeconds
        var result = RunResult(
            scenario: scenario, startedAt: Date(timeIntervalSince1970: Double(startNanos) / 1e9), sourceAddresses: plan.sourceAddresses,
            reports: workers.compactMap(\.report), measuredSeconds: measured, server: server)
        result.rampSeconds = rampSeconds
        return result
    }

    /// One line, rewritten in place: the time into the ramp-up (from its start) or into the run (from the start of
    /// traffic), connections, messages and the delivery p99 so far.
    private func printLive(_ workers: [WorkerProcess], now: Int64, timeline: Timeline?, rampStart: Int64) {
        let progress = workers.compactMap(\.progress)
        let connected = progress.reduce(0) { $0 + $1.connected }
        let delivered = progress.reduce(0) { $0 + $1.delivered }
        let sent = progress.reduce(0) { $0 + $1.sent }
        let p99 = Double(progress.map(\.p99Micros).max() ?? 0) / 1000
        let phase = timeline.map { now < $0.trafficStartNanos ? "ramp-up" : now < $0.trafficEndNanos ? "measuring" : "draining" } ?? "ramp-up"
        let measuring = timeline.map { now >= $0.trafficStartNanos } ?? false
        let elapsed = Double(now - (measuring ? timeline!.trafficStartNanos : rampStart)) / 1e9
        let rate = Self.rate(delivered: delivered, now: now)
        let line = String(
            format: "\r[%+6.1f s %@] connections %d/%d  sent %d  delivered %d (%.0f/s)  p99 %.2f ms   ",
            max(0, elapsed), phase, connected, scenario.connections, sent, delivered, rate, p99)
        FileHandle.standardError.write(Data(line.utf8))
    }

    nonisolated(unsafe) private static var lastSample: (nanos: Int64, delivered: Int, rate: Double) = (0, 0, 0)

    /// Deliveries per second over the last second or so.
    private static func rate(delivered: Int, now: Int64) -> Double {
        let elapsed = Double(now - lastSample.nanos) / 1e9
        guard elapsed >= 1 else { return lastSample.rate }
        let rate = Double(delivered - lastSample.delivered) / elapsed
        lastSample = (now, delivered, max(0, rate))
        return max(0, rate)
    }

    static func openFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        return Int(min(limit.rlim_cur, 1 << 20))
    }

    private func log(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
}

/// A worker child process and the last lines it printed.
final class WorkerProcess: @unchecked Sendable {
    // Unchecked: the fields below are written by the reader thread and read by the coordinator under `lock`.
    let index: Int
    private let process = Process()
    private let input = Pipe()
    private let lock = NSLock()
    private var _progress: WorkerProgress?
    private var _report: WorkerReport?
    private var _fatal: String?
    private var _outputEnded = false

    init(executable: String, planFile: String, index: Int) throws {
        self.index = index
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["worker", planFile]
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        let handle = output.fileHandleForReading
        Thread.detachNewThread { [self] in
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty {
                    lock.withLock { _outputEnded = true }
                    break
                }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    switch WorkerLine.parse(Substring(line)) {
                    case .progress(let progress): lock.withLock { _progress = progress }
                    case .report(let report): lock.withLock { _report = report }
                    case .fatal(let message): lock.withLock { _fatal = message }
                    case nil: FileHandle.standardError.write(Data("worker \(index): \(line)\n".utf8))
                    }
                }
            }
        }
    }

    var progress: WorkerProgress? { lock.withLock { _progress } }
    var report: WorkerReport? { lock.withLock { _report } }
    var fatal: String? { lock.withLock { _fatal } }
    /// Everything the worker printed was read.
    var outputEnded: Bool { lock.withLock { _outputEnded } }
    var isRunning: Bool { process.isRunning }
    var exitStatus: Int32 { process.isRunning ? 0 : process.terminationStatus }
    func terminate() { process.terminate() }

    /// Tells the worker when the measured phase starts.
    func start(_ timeline: Timeline) {
        input.fileHandleForWriting.write(Data(timeline.command.utf8))
    }
}
