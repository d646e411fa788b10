import ChamberLoadKit
import Foundation
import Histogram
import Testing

/// The load tester's parsing and arithmetic: scenario files, the run plan, frame scanning, merging results.
@Suite("chamber-load: scenarios, plan, frames, results")
struct ChamberLoadKitTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func scenarioData(_ name: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent("LoadTests/scenarios/\(name).json"))
    }

    @Test("every scenario file loads, validates, and is named like its file; all four kinds exist")
    func scenarioFiles() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("LoadTests/scenarios").path).filter {
            $0.hasSuffix(".json")
        }
        var kinds: Set<String> = []
        for file in files {
            let scenario = try Scenario.load(try Self.scenarioData(String(file.dropLast(5))))
            #expect(scenario.name + ".json" == file)
            kinds.insert(scenario.kind.rawValue)
        }
        #expect(kinds == ["big-event", "direct", "reconnect-storm", "idle"])
        let event = try Scenario.load(try Self.scenarioData("big-event"))
        #expect(event.connections == 5000 && event.messageRate == 20 && event.reconnectPercent == 5)
    }

    @Test("flags override fields; unknown keys and bad values are refused with the key")
    func overrides() throws {
        let data = try Self.scenarioData("big-event")
        let changed = try Scenario.load(data, overrides: ["connections=2000", "message_rate=7.5", "duration_seconds=10"])
        #expect(changed.connections == 2000 && changed.messageRate == 7.5 && changed.durationSeconds == 10)
        #expect(!changed.reconnectOnClose)
        #expect(try Scenario.load(data, overrides: ["reconnect_on_close=true"]).reconnectOnClose)
        #expect(throws: ScenarioError.self) { try Scenario.load(data, overrides: ["reconnect_on_close=sometimes"]) }
        #expect(throws: ScenarioError.self) { try Scenario.load(data, overrides: ["conections=10"]) }
        do {
            _ = try Scenario.load(data, overrides: ["connections=0"])
            Issue.record("connections=0 was accepted")
        } catch {
            #expect(error.description.contains("connections"))
        }
        do {
            _ = try Scenario.load(Data(#"{"name":"x","kind":"direct","connections":3}"#.utf8))
            Issue.record("an odd direct run was accepted")
        } catch {
            #expect(error.description.contains("even"))
        }
        #expect(throws: ScenarioError.self) { try Scenario.load(Data(#"{"name":"x","kind":"gala","connections":3}"#.utf8)) }
        #expect(throws: ScenarioError.self) { try Scenario.load(Data(#"{"kind":"idle","connections":3}"#.utf8)) }
        #expect(throws: ScenarioError.self) { try Scenario.load(Data(#"{"name":"x","kind":"idle","connections":3,"extra":1}"#.utf8)) }
    }

    @Test("the plan spreads large runs over workers and source addresses, and names the per-process limit")
    func plan() throws {
        let idle = try Scenario.load(try Self.scenarioData("idle"), overrides: ["connections=18000"])
        let plan = try Plan.make(idle, servers: 1, fileLimit: 20_000)
        #expect(plan.workerRanges.count == 2 && plan.workerRanges.first == 0..<9000 && plan.workerRanges.last == 9000..<18000)
        #expect(plan.sourceAddresses == 1)
        let huge = try Scenario.load(try Self.scenarioData("idle"), overrides: ["connections=40000"])
        do {
            _ = try Plan.make(huge, servers: 1, fileLimit: 20_000)
            Issue.record("40000 connections to one server were planned")
        } catch {
            #expect(error.description.contains("19000") && error.description.contains("--url"))
        }
        let cluster = try Plan.make(huge, servers: 3, fileLimit: 20_000)
        #expect(cluster.workerRanges.count == 4 && cluster.sourceAddresses == 2)
        #expect(cluster.workerRanges.map(\.count).reduce(0, +) == 40000)
        let direct = try Scenario.load(try Self.scenarioData("direct"), overrides: ["connections=30002", "workers=4"])
        let pairs = try Plan.make(direct, servers: 2, fileLimit: 20_000)
        #expect(pairs.workerRanges.allSatisfy { $0.lowerBound % 2 == 0 && $0.upperBound % 2 == 0 }, "a pair never spans two workers")
        #expect(throws: ScenarioError.self) { try Plan.make(direct, servers: 2, fileLimit: 4000) }
        #expect(WorkerPlan.pickedCount(1000, percent: 10) == 100 && WorkerPlan.pickedCount(999, percent: 5, offset: 0.5) == 50)
    }

    @Test("frames are read without a JSON parser: type, ids, sequence and the sender's timestamp")
    func frames() throws {
        let message =
            #"{"type":"message","channel_id":"c-1","seq":42,"message":{"id":"m","channel_id":"c-1","seq":42,"body":"say \"seq\":7 and \"ts\":1","data":{"ts":1763900000123456789,"p":"xx"}}}"#
        Array(message.utf8).withUnsafeBytes { bytes in
            let frame = FrameScanner(bytes)
            #expect(frame.string("type") == "message" && frame.string("channel_id") == "c-1")
            #expect(frame.int("seq") == 42 && frame.int("ts") == 1_763_900_000_123_456_789, "escaped quotes in the body are not keys")
            #expect(frame.string("missing") == nil && frame.int("missing") == nil && !frame.has("last_seq"))
        }
        let example = try Data(contentsOf: Self.root.appendingPathComponent("Protocol/examples/server/ack.json"))
        let compact = try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: example))
        compact.withUnsafeBytes { bytes in
            let frame = FrameScanner(bytes)
            #expect(frame.string("type") == "ack" && frame.string("status") == "published" && frame.int("seq") == 44)
            #expect(frame.bool("duplicate") == false && frame.bool("seq") == nil, "a retried send is told apart from a new one")
        }
    }

    static func report(worker: Int, latencies: [UInt64], acked: [String: Int64], reach: [String: [String: Int]]) -> WorkerReport {
        var report = WorkerReport(worker: worker)
        for value in latencies { report.deliveryLatency.record(value); report.recordPerSecond(Int(value % 3), delivered: 1) }
        report.delivered = latencies.count
        report.connected = 10
        report.connectAttempts = 10
        report.maxAckedSeq = acked
        report.reach = reach
        return report
    }

    @Test("merging reports: lost counts acknowledged messages a receiver never reached; percentiles, timeline and JSON survive")
    func merge() throws {
        let scenario = try Scenario.load(try Self.scenarioData("big-event"))
        let a = Self.report(worker: 0, latencies: Array(repeating: 1000, count: 98) + [5000, 90000], acked: ["room": 40], reach: ["room": ["40": 9]])
        let b = Self.report(worker: 1, latencies: [2000, 2000], acked: ["room": 50, "dm": 3], reach: ["room": ["50": 8, "47": 2], "dm": ["3": 1]])
        let result = RunResult(
            scenario: scenario, startedAt: Date(timeIntervalSince1970: 1_800_000_000), sourceAddresses: 1, reports: [a, b],
            measuredSeconds: 10, server: ServerUsage(cpuSeconds: 2, rssBaselineBytes: 10 << 20, rssConnectedBytes: 30 << 20, rssPeakBytes: 31 << 20))
        // Final room seq is 50: worker 0's nine receivers stopped at 40 (10 each), two of worker 1's at 47 (3 each).
        #expect(result.lost == 9 * 10 + 2 * 3)
        #expect(!result.intact)
        #expect(result.delivered == 102 && result.deliveredPerSecond == 10.2)
        #expect(result.delivery.p50 == 1.0 && result.delivery.max >= 89.9)
        #expect(result.timelineDelivered.reduce(0, +) == 102)
        #expect(result.serverMicrosPerDelivery.map { abs($0 - 2_000_000.0 / 102) < 0.01 } == true)
        #expect(result.serverKiBPerConnection.map { abs($0 - 1024) < 0.001 } == true, "20 MiB over 20 connections")
        #expect(result.summary.contains("MUST BE 0"))
        let decoded = try RunResult.decode(try result.json())
        #expect(decoded.lost == result.lost && decoded.delivery == result.delivery && decoded.scenario == scenario)
        let line = WorkerLine.report(a).encoded
        guard case .report(let parsed)? = WorkerLine.parse(Substring(line)) else { Issue.record("report line did not parse"); return }
        #expect(parsed.deliveryLatency.totalCount == 100)
        #expect(WorkerLine.parse("not json") == nil)

        let clean = RunResult(
            scenario: scenario, startedAt: Date(), sourceAddresses: 1,
            reports: [Self.report(worker: 0, latencies: [10], acked: ["room": 5], reach: ["room": ["5": 3]])], measuredSeconds: 1, server: nil)
        #expect(clean.intact && clean.lost == 0)
        let html = HTMLReport.render(clean)
        #expect(html.contains("<svg") && html.contains("0 lost, 0 gaps") && !html.contains("<script"))
    }

    @Test("/proc parsing: CPU ticks after the command name (which may hold spaces and parentheses), resident memory")
    func procfs() {
        let stat = "4242 (chamber (node) 1) S 1 4242 4242 0 -1 4194560 5000 0 0 0 250 50 10 5 20 0 9 0 123 1000000 2500 18446744073709551615"
        let status = "Name:\tchamberconnect\nVmPeak:\t  900000 kB\nVmRSS:\t  51200 kB\nThreads:\t9\n"
        let usage = ProcessUsage.parse(stat: stat, status: status, ticksPerSecond: 100)
        #expect(usage == ProcessUsage(cpuSeconds: 3.15, residentBytes: 51200 * 1024))
        #expect(ProcessUsage.parse(stat: "garbage", status: status, ticksPerSecond: 100) == nil)
        #expect(ProcessUsage.read(pid: getpid()) != nil)
    }
}
