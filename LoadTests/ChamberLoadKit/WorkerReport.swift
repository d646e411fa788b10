import Foundation
import Histogram

/// Latencies in microseconds, 3 significant digits, up to an hour.
public typealias LatencyHistogram = Histogram<UInt64>

public func makeLatencyHistogram() -> LatencyHistogram {
    LatencyHistogram(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
}

/// What one worker process measured, sent to the coordinator as one JSON line when it finishes.
public struct WorkerReport: Codable, Sendable {
    public var worker: Int
    public var connectAttempts = 0
    public var connected = 0
    public var connectFailures = 0
    /// Why connections failed or closed unexpectedly ("refused", "close 4001", "EMFILE", …) and how often.
    public var failures: [String: Int] = [:]
    public var sent = 0
    public var acked = 0
    /// Error frames by code (`rate_limited`, `forbidden`, …).
    public var errors: [String: Int] = [:]
    /// Message events received, every receiver counted (duplicates excluded).
    public var delivered = 0
    /// Events a receiver had seen already (after a reconnect's replay overlapped the live stream).
    public var duplicates = 0
    /// A receiver saw sequence n+k (k > 1) after n: events skipped without notice. Must be 0.
    public var gaps = 0
    /// The server answered a resubscribe with `recovery_incomplete` (too much missed to replay).
    public var recoveryIncomplete = 0
    public var reconnects = 0
    public var recovered = 0
    public var deliveryLatency = makeLatencyHistogram()
    public var ackLatency = makeLatencyHistogram()
    public var connectLatency = makeLatencyHistogram()
    /// From leaving (a reconnect test) to subscribed again with the missed events replayed.
    public var reconnectLatency = makeLatencyHistogram()
    /// Deliveries and sends per second of the measured phase.
    public var deliveredPerSecond: [Int] = []
    public var sentPerSecond: [Int] = []
    /// Per channel: the highest sequence number acknowledged to one of this worker's senders.
    public var maxAckedSeq: [String: Int64] = [:]
    /// Per channel: how far each receiver got ("reach" = sequence at subscribe + distinct events received) → count.
    public var reach: [String: [String: Int]] = [:]

    public init(worker: Int) { self.worker = worker }

    public mutating func count(_ key: String, in table: WritableKeyPath<WorkerReport, [String: Int]>) {
        self[keyPath: table][key, default: 0] += 1
    }

    public mutating func recordPerSecond(_ second: Int, delivered: Int = 0, sent: Int = 0) {
        guard second >= 0, second < 36_000 else { return }
        while deliveredPerSecond.count <= second { deliveredPerSecond.append(0); sentPerSecond.append(0) }
        deliveredPerSecond[second] += delivered
        sentPerSecond[second] += sent
    }
}

/// The live figures a worker prints once a second.
public struct WorkerProgress: Codable, Sendable {
    public var worker: Int
    public var connected: Int
    public var delivered: Int
    public var sent: Int
    public var p99Micros: UInt64
    public init(worker: Int, connected: Int, delivered: Int, sent: Int, p99Micros: UInt64) {
        self.worker = worker
        self.connected = connected
        self.delivered = delivered
        self.sent = sent
        self.p99Micros = p99Micros
    }
}

/// One line of a worker's standard output.
public enum WorkerLine: Codable, Sendable {
    case progress(WorkerProgress)
    case report(WorkerReport)
    case fatal(String)

    public static func parse(_ line: Substring) -> WorkerLine? {
        try? JSONDecoder().decode(WorkerLine.self, from: Data(line.utf8))
    }

    public var encoded: String {
        String(decoding: (try? JSONEncoder().encode(self)) ?? Data(), as: UTF8.self)
    }
}
