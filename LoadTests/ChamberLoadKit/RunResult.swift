import Foundation
import Histogram

/// The server's own cost, read from /proc when its process id is given.
public struct ServerUsage: Codable, Sendable, Equatable {
    /// CPU seconds (user + system, the process and its threads) during the measured phase.
    public var cpuSeconds: Double
    /// Resident memory before the first connection and with every connection open.
    public var rssBaselineBytes: Int
    public var rssConnectedBytes: Int
    public var rssPeakBytes: Int

    public init(cpuSeconds: Double, rssBaselineBytes: Int, rssConnectedBytes: Int, rssPeakBytes: Int) {
        self.cpuSeconds = cpuSeconds
        self.rssBaselineBytes = rssBaselineBytes
        self.rssConnectedBytes = rssConnectedBytes
        self.rssPeakBytes = rssPeakBytes
    }
}

/// Percentiles of a latency histogram, in milliseconds.
public struct LatencySummary: Codable, Sendable, Equatable {
    public var count: UInt64
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var p999: Double
    public var max: Double

    public init(_ histogram: LatencyHistogram) {
        func ms(_ micros: UInt64) -> Double { (Double(micros) / 1000 * 1000).rounded() / 1000 }
        count = histogram.totalCount
        p50 = histogram.totalCount == 0 ? 0 : ms(histogram.valueAtPercentile(50))
        p90 = histogram.totalCount == 0 ? 0 : ms(histogram.valueAtPercentile(90))
        p99 = histogram.totalCount == 0 ? 0 : ms(histogram.valueAtPercentile(99))
        p999 = histogram.totalCount == 0 ? 0 : ms(histogram.valueAtPercentile(99.9))
        max = histogram.totalCount == 0 ? 0 : ms(histogram.max)
    }
}

/// A whole run: the scenario, every worker's figures merged, and what they mean.
public struct RunResult: Codable, Sendable {
    public var scenario: Scenario
    public var startedAt: Date
    public var workers: Int
    public var sourceAddresses: Int
    /// From the first connection attempt until every connection was up (or the ramp-up deadline).
    public var rampSeconds: Double = 0
    public var connectAttempts: Int
    public var connected: Int
    public var connectFailures: Int
    public var failures: [String: Int]
    public var sent: Int
    public var acked: Int
    public var errors: [String: Int]
    public var delivered: Int
    /// Deliveries per second over the measured phase.
    public var deliveredPerSecond: Double
    public var duplicates: Int
    public var gaps: Int
    public var recoveryIncomplete: Int
    public var reconnects: Int
    /// Deliveries a receiver should have had (every acknowledged event after it subscribed) and never got.
    public var lost: Int
    public var delivery: LatencySummary
    public var ack: LatencySummary
    public var connect: LatencySummary
    public var reconnect: LatencySummary
    public var timelineDelivered: [Int]
    public var timelineSent: [Int]
    /// The delivery latency distribution: (percentile, milliseconds) points for the report's plot.
    public var deliveryPercentiles: [[Double]]
    public var server: ServerUsage?
    /// Server CPU per delivered message, in microseconds (with `server`).
    public var serverMicrosPerDelivery: Double?
    /// Server memory per open connection, in KiB (with `server`).
    public var serverKiBPerConnection: Double?

    /// Merges the workers' reports. `lost` compares each receiver's reach with the highest acknowledged sequence of
    /// its channel, so it counts acknowledged messages that never arrived, wherever they were sent from.
    public init(scenario: Scenario, startedAt: Date, sourceAddresses: Int, reports: [WorkerReport], measuredSeconds: Double, server: ServerUsage?) {
        self.scenario = scenario
        self.startedAt = startedAt
        self.workers = reports.count
        self.sourceAddresses = sourceAddresses
        var deliveryHistogram = makeLatencyHistogram()
        var ackHistogram = makeLatencyHistogram()
        var connectHistogram = makeLatencyHistogram()
        var reconnectHistogram = makeLatencyHistogram()
        var maxAcked: [String: Int64] = [:]
        var failures: [String: Int] = [:]
        var errors: [String: Int] = [:]
        var delivered: [Int] = []
        var sent: [Int] = []
        for report in reports {
            deliveryHistogram.add(report.deliveryLatency)
            ackHistogram.add(report.ackLatency)
            connectHistogram.add(report.connectLatency)
            reconnectHistogram.add(report.reconnectLatency)
            failures.merge(report.failures, uniquingKeysWith: +)
            errors.merge(report.errors, uniquingKeysWith: +)
            maxAcked.merge(report.maxAckedSeq, uniquingKeysWith: Swift.max)
            for (index, value) in report.deliveredPerSecond.enumerated() {
                if delivered.count <= index { delivered.append(0); sent.append(0) }
                delivered[index] += value
                sent[index] += report.sentPerSecond[index]
            }
        }
        var lost = 0
        for report in reports {
            for (channel, reaches) in report.reach {
                let final = maxAcked[channel] ?? 0
                for (reach, receivers) in reaches {
                    lost += Int(Swift.max(0, final - (Int64(reach) ?? 0))) * receivers
                }
            }
        }
        connectAttempts = reports.reduce(0) { $0 + $1.connectAttempts }
        connected = reports.reduce(0) { $0 + $1.connected }
        connectFailures = reports.reduce(0) { $0 + $1.connectFailures }
        self.failures = failures
        self.sent = reports.reduce(0) { $0 + $1.sent }
        acked = reports.reduce(0) { $0 + $1.acked }
        self.errors = errors
        self.delivered = reports.reduce(0) { $0 + $1.delivered }
        deliveredPerSecond = measuredSeconds > 0 ? Double(self.delivered) / measuredSeconds : 0
        duplicates = reports.reduce(0) { $0 + $1.duplicates }
        gaps = reports.reduce(0) { $0 + $1.gaps }
        recoveryIncomplete = reports.reduce(0) { $0 + $1.recoveryIncomplete }
        reconnects = reports.reduce(0) { $0 + $1.reconnects }
        self.lost = lost
        delivery = LatencySummary(deliveryHistogram)
        ack = LatencySummary(ackHistogram)
        connect = LatencySummary(connectHistogram)
        reconnect = LatencySummary(reconnectHistogram)
        timelineDelivered = delivered
        timelineSent = sent
        deliveryPercentiles =
            deliveryHistogram.totalCount == 0
            ? []
            : [50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100].map {
                [$0, Double(deliveryHistogram.valueAtPercentile($0)) / 1000]
            }
        self.server = server
        if let server {
            serverMicrosPerDelivery = self.delivered > 0 ? server.cpuSeconds * 1_000_000 / Double(self.delivered) : nil
            serverKiBPerConnection = connected > 0 ? Double(server.rssConnectedBytes - server.rssBaselineBytes) / 1024 / Double(connected) : nil
        }
    }

    /// Whether nothing acknowledged went missing and no receiver saw a gap.
    public var intact: Bool { lost == 0 && gaps == 0 && recoveryIncomplete == 0 }

    /// The summary table printed at the end of a run.
    public var summary: String {
        func fmt(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
        var rows: [(String, String)] = [
            ("scenario", "\(scenario.name) (\(scenario.kind.rawValue)), \(scenario.connections) connections, \(fmt(scenario.durationSeconds, 0)) s"),
            ("workers / source addresses", "\(workers) / \(sourceAddresses)"),
            ("connections", "\(connected) open of \(connectAttempts) attempts, \(connectFailures) failed; all up after \(fmt(rampSeconds)) s"),
            ("sent / acknowledged", "\(sent) / \(acked)"),
            ("delivered", "\(delivered) (\(fmt(deliveredPerSecond, 0)) per second)"),
            (
                "delivery latency ms",
                "p50 \(fmt(delivery.p50, 2))  p90 \(fmt(delivery.p90, 2))  p99 \(fmt(delivery.p99, 2))  p99.9 \(fmt(delivery.p999, 2))  max \(fmt(delivery.max, 2))"
            ),
            (
                "send→ack latency ms",
                "p50 \(fmt(ack.p50, 2))  p90 \(fmt(ack.p90, 2))  p99 \(fmt(ack.p99, 2))  p99.9 \(fmt(ack.p999, 2))  max \(fmt(ack.max, 2))"
            ),
            ("connect latency ms", "p50 \(fmt(connect.p50, 1))  p99 \(fmt(connect.p99, 1))  max \(fmt(connect.max, 1))"),
            (
                "reconnects",
                "\(reconnects), drop→recovered ms p50 \(fmt(reconnect.p50, 1)) p99 \(fmt(reconnect.p99, 1)) max \(fmt(reconnect.max, 1)); duplicates skipped \(duplicates)"
            ),
            ("lost / gaps / recovery incomplete", "\(lost) / \(gaps) / \(recoveryIncomplete)\(intact ? "" : "   <-- MUST BE 0")"),
        ]
        if !failures.isEmpty {
            rows.append(("failures", failures.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")))
        }
        if !errors.isEmpty {
            rows.append(("error frames", errors.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")))
        }
        if let server {
            rows.append(
                ("server CPU", "\(fmt(server.cpuSeconds, 2)) s" + (serverMicrosPerDelivery.map { ", \(fmt($0, 2)) µs per delivered message" } ?? "")))
            rows.append(
                (
                    "server memory",
                    "RSS \(server.rssBaselineBytes >> 20) → \(server.rssConnectedBytes >> 20) MiB (peak \(server.rssPeakBytes >> 20))"
                        + (serverKiBPerConnection.map { ", \(fmt($0, 2)) KiB per connection" } ?? "")
                ))
        }
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n")
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> RunResult {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(RunResult.self, from: data)
    }
}
