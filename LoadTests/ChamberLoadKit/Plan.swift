import Foundation

/// How a run is spread over worker processes and loopback source addresses.
///
/// A process here may hold at most 20,000 open files, and one source address offers about 28,000 ephemeral ports
/// towards one server port. So a worker takes at most ``maxConnectionsPerWorker`` sockets, a source address at most
/// ``maxConnectionsPerAddress``, and one server process (which needs a file per socket too) at most
/// ``maxConnectionsPerServer``: larger runs need a cluster, and the plan says so instead of failing obscurely.
public struct Plan: Codable, Sendable, Equatable {
    public static let maxConnectionsPerServer = 19_000
    public static let maxConnectionsPerAddress = 25_000

    /// The account indexes each worker drives (contiguous, pairs never split).
    public let workerRanges: [Range<Int>]
    public let sourceAddresses: Int

    public static func maxConnectionsPerWorker(fileLimit: Int) -> Int { max(100, min(fileLimit - 1_000, 10_000)) }

    public static func make(_ scenario: Scenario, servers: Int, fileLimit: Int) throws(ScenarioError) -> Plan {
        let total = scenario.connections
        guard total <= servers * maxConnectionsPerServer else {
            throw ScenarioError(
                """
                \(total) connections need more than \(servers) server process(es): one holds at most about \(maxConnectionsPerServer) \
                (20,000 open files per process on this machine, a hard limit). Run a cluster and give each node with --url, or lower connections.
                """)
        }
        let perWorker = maxConnectionsPerWorker(fileLimit: fileLimit)
        let needed = (total + perWorker - 1) / perWorker
        if scenario.workers > 0, scenario.workers < needed {
            throw ScenarioError(
                "'workers' = \(scenario.workers) cannot hold \(total) connections: at most \(perWorker) per worker (open-file limit \(fileLimit)); use \(needed) or more"
            )
        }
        let workers = max(scenario.workers, needed)
        let addresses = max(scenario.sourceAddresses, (total + maxConnectionsPerAddress - 1) / maxConnectionsPerAddress, 1)
        guard addresses <= 250 else {
            throw ScenarioError("\(total) connections need \(addresses) source addresses; at most 250 (127.0.0.1 … 127.0.0.250)")
        }
        var ranges: [Range<Int>] = []
        var start = 0
        for index in 0..<workers {
            var end = total * (index + 1) / workers
            if scenario.kind == .direct, end % 2 == 1 { end += 1 }
            end = min(end, total)
            ranges.append(start..<end)
            start = end
        }
        return Plan(workerRanges: ranges, sourceAddresses: addresses)
    }

    public init(workerRanges: [Range<Int>], sourceAddresses: Int) {
        self.workerRanges = workerRanges
        self.sourceAddresses = sourceAddresses
    }
}

/// One provisioned account as a worker uses it.
public struct LoadAccount: Codable, Sendable, Equatable {
    public let userID: String
    public let token: String
    public let isAdmin: Bool

    public init(userID: String, token: String, isAdmin: Bool) {
        self.userID = userID
        self.token = token
        self.isAdmin = isAdmin
    }
}

/// The measured phase: the coordinator starts it for every worker at once, when all connections are up.
public struct Timeline: Sendable, Equatable {
    public let trafficStartNanos: Int64
    public let trafficEndNanos: Int64
    /// After the drain: when the workers count what arrived.
    public let reportNanos: Int64

    public init(trafficStartNanos: Int64, scenario: Scenario) {
        self.trafficStartNanos = trafficStartNanos
        trafficEndNanos = trafficStartNanos + Int64(scenario.durationSeconds * 1e9)
        reportNanos = trafficEndNanos + Int64(scenario.drainSeconds * 1e9)
    }

    /// The coordinator's command on a worker's standard input.
    public var command: String { "go \(trafficStartNanos)\n" }

    public static func parse(_ line: Substring, scenario: Scenario) -> Timeline? {
        guard line.hasPrefix("go "), let start = Int64(line.dropFirst(3).trimmingCharacters(in: .whitespaces)) else { return nil }
        return Timeline(trafficStartNanos: start, scenario: scenario)
    }
}

/// Everything a worker process needs, written by the coordinator to a file the worker reads.
public struct WorkerPlan: Codable, Sendable {
    public let worker: Int
    public let scenario: Scenario
    /// Server nodes as host:port; connection i goes to node i mod count.
    public let servers: [String]
    public let chamberID: String
    public let roomID: String
    public let announcementsID: String
    /// All accounts of the run (admins first); the worker drives `range`.
    public let accounts: [LoadAccount]
    public let range: Range<Int>
    public let sourceAddresses: Int
    /// Wall-clock start of the ramp-up (nanoseconds since 1970), the same for every worker.
    public let startNanos: Int64

    public init(
        worker: Int, scenario: Scenario, servers: [String], chamberID: String, roomID: String, announcementsID: String,
        accounts: [LoadAccount], range: Range<Int>, sourceAddresses: Int, startNanos: Int64
    ) {
        self.worker = worker
        self.scenario = scenario
        self.servers = servers
        self.chamberID = chamberID
        self.roomID = roomID
        self.announcementsID = announcementsID
        self.accounts = accounts
        self.range = range
        self.sourceAddresses = sourceAddresses
        self.startNanos = startNanos
    }

    /// The longest the ramp-up may take before the run starts measuring anyway (the connections that are not up
    /// by then count as failed to connect in time).
    public var rampDeadlineNanos: Int64 { startNanos + Int64((scenario.rampSeconds * 4 + 30) * 1e9) }

    /// Whether member `index` (counting members only, admins excluded) is picked for a share `percent` of them,
    /// spread evenly over the index range so every worker gets its part.
    public static func picks(_ index: Int, percent: Double, offset: Double = 0) -> Bool {
        let share = percent / 100
        return (Double(index + 1) * share + offset).rounded(.down) > (Double(index) * share + offset).rounded(.down)
    }

    /// How many members of `0..<count` ``picks(_:percent:offset:)`` selects.
    public static func pickedCount(_ count: Int, percent: Double, offset: Double = 0) -> Int {
        (0..<count).reduce(0) { $0 + (picks($1, percent: percent, offset: offset) ? 1 : 0) }
    }
}
