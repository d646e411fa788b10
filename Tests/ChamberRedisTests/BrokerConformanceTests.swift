import ChamberDomain
import ChamberRealtime
import ChamberRedis
import ChamberTestSupport
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// The broker's contract (Broker.swift) and the cluster built on it — delivery on every node, per-channel order,
/// interest, presence across nodes with expiry, control commands — held against both implementations: hubs on one
/// in-process bus, and hubs each with its own Redis connection to a real redis-server.
@Suite("Broker and presence conformance", .serialized)
struct BrokerConformanceTests {
    enum Kind: String, CaseIterable, CustomStringConvertible {
        case inProcess = "in-process"
        case redis
        var description: String { rawValue }
    }

    @Test("a message published on one node reaches the channel's subscribers on every node once, in order", arguments: Kind.allCases)
    func deliveryEverywhereInOrder(kind: Kind) async throws {
        let cluster = try TestCluster(kind, nodes: 3)
        defer { cluster.shutdown() }
        let channel = ChannelID.generate()
        let readers = (0..<3).map { cluster.subscribe(node: $0, user: .generate(), to: channel) }
        for seq in 1...200 { await cluster.publish(from: 0, channel: channel, seq: Int64(seq)) }
        for (index, reader) in readers.enumerated() {
            let seqs = try await reader.waitForSeqs(count: 200)
            #expect(seqs == Array(1...200).map(Int64.init), "node \(index) (its own echo must not double)")
        }
    }

    @Test("two nodes storing into one channel at once: every node delivers the one sequence", arguments: Kind.allCases)
    func interleavedPublishers(kind: Kind) async throws {
        let cluster = try TestCluster(kind, nodes: 3)
        defer { cluster.shutdown() }
        let channel = ChannelID.generate()
        let readers = (0..<3).map { cluster.subscribe(node: $0, user: .generate(), to: channel) }
        // Odd sequences stored and published by node 0, even ones by node 1, racing.
        async let odd: Void = {
            for seq in stride(from: 1, through: 300, by: 2) { await cluster.publish(from: 0, channel: channel, seq: Int64(seq)) }
        }()
        async let even: Void = {
            for seq in stride(from: 2, through: 300, by: 2) { await cluster.publish(from: 1, channel: channel, seq: Int64(seq)) }
        }()
        _ = await (odd, even)
        for reader in readers {
            #expect(try await reader.waitForSeqs(count: 300) == Array(1...300).map(Int64.init))
        }
    }

    @Test("presence aggregates every node's connections; a node that goes silent takes its users offline", arguments: Kind.allCases)
    func presenceAcrossNodes(kind: Kind) async throws {
        let cluster = try TestCluster(kind, nodes: 3)
        defer { cluster.shutdown() }
        let ada = UserID.generate(), bob = UserID.generate()
        let adaOnA = cluster.connect(node: 0, user: ada)
        _ = cluster.connect(node: 1, user: ada)
        _ = cluster.connect(node: 1, user: bob)
        try await eventually("node 2 sees both users online") {
            cluster.hubs[2].status(of: ada, in: cluster.chamber) == .online && cluster.hubs[2].status(of: bob, in: cluster.chamber) == .online
        }
        #expect(try cluster.hubs[2].onlineUsers(in: cluster.chamber, after: nil, limit: 10).total == 2)
        // Ada leaves node 0 but is still on node 1.
        cluster.hubs[0].disconnect(adaOnA)
        try await Task.sleep(for: .milliseconds(400))
        #expect(cluster.hubs[2].status(of: ada, in: cluster.chamber) == .online)
        // Node 1 dies (no goodbye): after the node timeout (5 s) both are offline everywhere.
        cluster.kill(node: 1)
        try await eventually("node 1's users go offline", timeout: .seconds(30)) {
            cluster.hubs[2].status(of: ada, in: cluster.chamber) == .offline && cluster.hubs[2].status(of: bob, in: cluster.chamber) == .offline
                && cluster.hubs[0].status(of: bob, in: cluster.chamber) == .offline
        }
        #expect(cluster.hubs[2].clusterNodes().map(\.info.id).contains(cluster.hubs[1].nodeID) == false)
    }

    @Test("a node that joins late learns who is online from the others' snapshots", arguments: Kind.allCases)
    func lateJoinerGetsSnapshot(kind: Kind) async throws {
        let cluster = try TestCluster(kind, nodes: 2)
        defer { cluster.shutdown() }
        let ada = UserID.generate()
        _ = cluster.connect(node: 0, user: ada)
        try await Task.sleep(for: .milliseconds(300))
        let late = cluster.addNode()
        try await eventually("the new node sees Ada") { cluster.hubs[late].status(of: ada, in: cluster.chamber) == .online }
    }

    @Test("control commands take effect on every node: disconnect a user, revoke a channel, drain a node", arguments: Kind.allCases)
    func controlCommands(kind: Kind) async throws {
        let cluster = try TestCluster(kind, nodes: 3)
        defer { cluster.shutdown() }
        let ada = UserID.generate(), bob = UserID.generate()
        let channel = ChannelID.generate()
        let adaOnC = cluster.subscribe(node: 2, user: ada, to: channel)
        let bobOnB = cluster.subscribe(node: 1, user: bob, to: channel)
        try await eventually("the nodes know each other") { cluster.hubs[0].clusterNodes().count == 3 }

        cluster.hubs[0].revokeEverywhere(chamber: cluster.chamber, channel: channel, users: [bob])
        try await eventually("Bob's subscription ends on node 1") { !bobOnB.connection.subscriptions.contains(channel) }
        #expect(adaOnC.connection.subscriptions.contains(channel))

        cluster.hubs[0].disconnectEverywhere(user: ada, chamber: cluster.chamber, code: .disconnected)
        try await eventually("Ada's socket on node 2 closes") { adaOnC.connection.closeCode == .disconnected }

        #expect(await cluster.hubs[0].drainNode(cluster.hubs[1].nodeID))
        try await eventually("node 1 drains") { cluster.hubs[1].isDraining && bobOnB.connection.closeCode == .goingAway }
        #expect(await cluster.hubs[0].drainNode("no-such-node") == false)
    }
}

@Suite("Redis broker", .serialized)
struct RedisBrokerTests {
    @Test(
        "when Redis goes away a node serves its own connections, reports degraded, reads the others' events from the store, and catches up when it returns"
    )
    func outage() async throws {
        let cluster = try TestCluster(.redis, nodes: 2)
        defer { cluster.shutdown() }
        let channel = ChannelID.generate()
        let local = cluster.subscribe(node: 0, user: .generate(), to: channel)
        let remote = cluster.subscribe(node: 1, user: .generate(), to: channel)
        await cluster.publish(from: 0, channel: channel, seq: 1)
        #expect(try await remote.waitForSeqs(count: 1) == [1])

        cluster.redis!.stop()
        try await eventually("health says degraded") {
            if case .degraded = cluster.hubs[0].brokerHealth { return true } else { return false }
        }
        guard case .degraded(let reason) = cluster.hubs[0].brokerHealth else { return }
        #expect(reason.contains("redis"))
        for seq in 2...5 { await cluster.publish(from: 0, channel: channel, seq: Int64(seq)) }
        #expect(try await local.waitForSeqs(count: 5) == [1, 2, 3, 4, 5], "local delivery goes on")
        // Node 1 only reads: it hears node 0's events from the store, a heartbeat or so later.
        #expect(try await remote.waitForSeqs(count: 5, timeout: .seconds(5)) == [1, 2, 3, 4, 5], "a reading node hears the others")
        // Both nodes send in the channel meanwhile: node 1's events cannot reach node 0, but they are stored, and a
        // node whose broker is down reads a gap from the store at once (README "When Redis is down").
        for seq in 6...15 { await cluster.publish(from: seq % 2 == 0 ? 1 : 0, channel: channel, seq: Int64(seq)) }
        #expect(try await local.waitForSeqs(count: 15) == Array(1...15), "a shared channel goes on, in order")
        #expect(try await remote.waitForSeqs(count: 15, timeout: .seconds(5)) == Array(1...15), "on both nodes")

        try cluster.redis!.start()
        try await eventually("health recovers", timeout: .seconds(30)) { cluster.hubs[0].brokerHealth == .ok && cluster.hubs[1].brokerHealth == .ok }
        #expect(try await remote.waitForSeqs(count: 15, timeout: .seconds(30)) == Array(1...15), "the other node gets what it missed")
        await cluster.publish(from: 1, channel: channel, seq: 16)
        #expect(try await local.waitForSeqs(count: 16) == Array(1...16))
    }

    @Test("the wire format round-trips every topic, sequence and access flag, and foreign payloads are dropped")
    func wireFormat() {
        let wire = RedisWireFormat(prefix: "t")
        let chamber = ChamberID.generate()
        for topic: BrokerMessage.Topic in [.channel(chamber, .generate()), .user(chamber, .generate()), .chamber(chamber), .cluster] {
            for (seq, changesAccess): (Int64?, Bool) in [(nil, false), (nil, true), (0, false), (42, true), (.max, false)] {
                let message = BrokerMessage(topic: topic, seq: seq, frame: ByteBuffer(string: #"{"type":"x"}"#), changesAccess: changesAccess)
                let bytes = wire.encode(message, origin: 7)
                let envelope = wire.decode(bytes)
                #expect(envelope?.message.topic == topic && envelope?.message.seq == seq && envelope?.origin == 7)
                #expect(envelope?.message.changesAccess == changesAccess)
                #expect(envelope.map { String(buffer: $0.message.frame) } == #"{"type":"x"}"#)
                #expect(wire.decode(Array(bytes.prefix(5))) == nil)
            }
        }
        #expect(wire.decode(Array("hello".utf8)) == nil)
        #expect(wire.channelName(.cluster) == "t:cluster")
    }

    @Test("the client speaks to a real server: binary-safe arguments, pipelined replies, typed errors")
    func client() throws {
        let redis = try RedisTestServer()
        defer { redis.stop() }
        let connection = try RedisConnection(try RedisEndpoint(url: redis.url))
        let binary: [UInt8] = [0, 1, 2, 255, 13, 10, 0]
        connection.append([Array("SET".utf8), Array("k".utf8), binary])
        connection.append([Array("GET".utf8), Array("k".utf8)])
        connection.append([Array("INCR".utf8), Array("k".utf8)])
        #expect(try connection.nextReply() == .status("OK"))
        #expect(try connection.nextReply() == .bulk(binary))
        guard case .error = try connection.nextReply() else { Issue.record("INCR of a non-number must answer an error"); return }
        #expect(try connection.command(["GET", "missing"]) == .null)
        #expect(throws: RedisError.self) { try RedisEndpoint(url: "http://x") }
        redis.stop()
        #expect(throws: RedisError.self) { try connection.command(["PING"]) }
        #expect(throws: RedisError.self) { try RedisConnection(try RedisEndpoint(url: redis.url), connectTimeout: .milliseconds(200)) }
    }
}

// MARK: - A cluster of hubs in one process

/// Events "stored" by the test, read back by the hubs' gap repair and catch-up like a database.
final class EventLog: Sendable {
    private let events = Mutex<[ChannelID: [ChamberDomain.ChannelEvent]]>([:])

    func append(_ event: ChamberDomain.ChannelEvent) { events.withLock { $0[event.channelID, default: []].append(event) } }

    func after(_ channel: ChannelID, _ seq: Int64, limit: Int) -> [ChamberDomain.ChannelEvent] {
        events.withLock { Array(($0[channel] ?? []).filter { $0.seq > seq }.sorted { $0.seq < $1.seq }.prefix(limit)) }
    }
}

/// A socket stand-in that keeps the frames written to it.
final class RecordingSink: FrameSink, Sendable {
    let eventLoop: any EventLoop
    private let frames = Mutex<[String]>([])

    init() { eventLoop = MultiThreadedEventLoopGroup.singleton.next() }

    var isWritable: Bool { true }
    func write(_ frame: ByteBuffer) { frames.withLock { $0.append(String(buffer: frame)) } }
    func flush() {}
    func abort() {}

    /// Sequence numbers of the message frames received, in order.
    var messageSeqs: [Int64] {
        frames.withLock { frames in
            frames.compactMap { text -> Int64? in
                guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], object["type"] as? String == "message"
                else { return nil }
                return (object["seq"] as? NSNumber)?.int64Value ?? ((object["message"] as? [String: Any])?["seq"] as? NSNumber)?.int64Value
            }
        }
    }
}

struct Reader {
    let connection: ClientConnection
    let sink: RecordingSink

    func waitForSeqs(count: Int, timeout: Duration = .seconds(30)) async throws -> [Int64] {
        let deadline = ContinuousClock.now + timeout
        while sink.messageSeqs.count < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(50))
        return sink.messageSeqs
    }
}

final class TestCluster: @unchecked Sendable {
    // @unchecked: mutated only by the test that owns it, between awaits.
    let kind: BrokerConformanceTests.Kind
    let chamber = ChamberID.generate()
    let log = EventLog()
    let redis: RedisTestServer?
    let bus = InProcessBroker.Bus()
    let prefix = "test-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    private(set) var hubs: [Hub] = []
    private var brokers: [any Broker] = []
    /// Each hub's service, running for the test's duration.
    private var services: [Task<Void, any Error>] = []

    init(_ kind: BrokerConformanceTests.Kind, nodes: Int) throws {
        self.kind = kind
        redis = kind == .redis ? try RedisTestServer() : nil
        for _ in 0..<nodes { _ = addNode() }
    }

    @discardableResult
    func addNode() -> Int {
        var logger = Logger(label: "test.cluster")
        logger.logLevel = .critical
        var configuration = HubConfiguration()
        configuration.heartbeatIntervalMs = 100
        // Long enough that a live node's heartbeats are never late by this much while the whole suite runs in
        // parallel on two busy cores (600 ms once took a live node for dead; single operations there take seconds).
        configuration.nodeTimeoutMs = 5_000
        configuration.presenceFlushMs = 50
        let broker: any Broker =
            switch kind {
            case .inProcess: InProcessBroker(bus: bus)
            case .redis:
                RedisBroker(
                    endpoint: try! RedisEndpoint(url: redis!.url),
                    options: {
                        var options = RedisBroker.Options()
                        options.prefix = prefix
                        options.backoffMax = .milliseconds(300)
                        return options
                    }(), logger: logger)
            }
        let log = self.log
        let hub = Hub(
            configuration: configuration, broker: broker, eventSource: { _, channel, after, limit in log.after(channel, after, limit: limit) },
            logger: logger)
        hubs.append(hub)
        brokers.append(broker)
        services.append(Task { try await hub.run() })
        return hubs.count - 1
    }

    func connect(node: Int, user: UserID) -> ClientConnection {
        hubs[node].connect(chamberID: chamber, userID: user, sink: RecordingSink())!
    }

    func subscribe(node: Int, user: UserID, to channel: ChannelID) -> Reader {
        let sink = RecordingSink()
        let connection = hubs[node].connect(chamberID: chamber, userID: user, sink: sink)!
        hubs[node].beginSubscription(connection, to: channel)
        let position = log.after(channel, 0, limit: .max).last?.seq ?? 0
        hubs[node].completeSubscription(
            connection, to: channel, lastSent: position, channelSeq: position, confirmation: ByteBuffer(string: #"{"type":"subscribed"}"#))
        return Reader(connection: connection, sink: sink)
    }

    /// Stores an event, then publishes it from `node`, as the chat service does.
    func publish(from node: Int, channel: ChannelID, seq: Int64) async {
        let message = Message(
            id: .generate(), chamberID: chamber, channelID: channel, seq: seq, senderID: .generate(), clientMessageID: "c-\(seq)",
            body: "message \(seq)", replyTo: nil, mentions: [], attachments: [], createdAt: Date())
        let event = ChamberDomain.ChannelEvent(chamberID: chamber, channelID: channel, seq: seq, at: Date(), body: .message(message))
        log.append(event)
        await hubs[node].publish(event)
    }

    /// The node stops hearing and speaking without a goodbye, like a killed process.
    func kill(node: Int) { brokers[node].shutdown() }

    func shutdown() {
        for hub in hubs { hub.stop() }
        for service in services { service.cancel() }
        redis?.stop()
    }
}
