// Micro-benchmarks of the hub's hot path: protocol decode and encode, moderation, and fan-out of one message to 10,000
// in-process subscribers. Run in release: `swift run -c release hub-benchmarks`. Figures are medians of runs.
import ChamberDomain
import ChamberRealtime
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

/// Times `body` over `iterations`, `runs` times; returns the median nanoseconds per iteration.
func measure(runs: Int = 7, iterations: Int, _ body: () -> Void) -> Double {
    var results: [Double] = []
    for _ in 0..<runs {
        let start = ContinuousClock.now
        for _ in 0..<iterations { body() }
        let elapsed = ContinuousClock.now - start
        results.append((Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9) / Double(iterations))
    }
    return median(results)
}

let chamber = ChamberID.generate()
let channel = ChannelID.generate()
let sender = UserID.generate()
let message = Message(
    id: .generate(), chamberID: chamber, channelID: channel, seq: 42, senderID: sender, clientMessageID: "c-42",
    body: "See everyone at the gala tonight, doors open at six!", replyTo: nil, mentions: [], attachments: [], createdAt: Date())
let sendFrame = Array(
    #"{"type":"send","id":"17","channel_id":"\#(channel.rawValue)","client_message_id":"c-42","body":"See everyone at the gala tonight, doors open at six!"}"#
        .utf8)

var sink = 0
let decode = measure(iterations: 100_000) {
    if let frame = try? DecodedFrame.decode(sendFrame) { sink &+= frame.id?.count ?? 0 }
}
// Moderation: the default filters (the word list in Config/moderation/words.txt) on a clean message and on one
// whose disguised listed word gets masked.
// Every default filter: Config/moderation/rules.json (mentions, links, patterns, shouting) and words.txt.
let wordList = (try? String(contentsOfFile: "Config/moderation/words.txt", encoding: .utf8)) ?? "scam\nscammer\nponzi scheme"
let rulesDecoder = JSONDecoder()
rulesDecoder.keyDecodingStrategy = .convertFromSnakeCase
let rules =
    (FileManager.default.contents(atPath: "Config/moderation/rules.json").flatMap { try? rulesDecoder.decode(ModerationSettings.self, from: $0) })
    ?? ModerationSettings(links: .init(policy: "allow", newMemberDays: 3), mentions: .init(max: 10), shouting: .init())
let moderation = try rules.pipeline(wordList: wordList.components(separatedBy: .newlines))
print("moderation filters: \(moderation.filters.map(\.name).joined(separator: ", "))")
let moderationContext = ModerationContext(chamberID: chamber, channelID: channel, senderID: sender, senderRole: .member, at: Date())
let moderateClean = measure(iterations: 100_000) {
    if case .publish(let text) = moderation.run(message.body, context: moderationContext).decision { sink &+= text.utf8.count }
}
let moderateMasked = measure(iterations: 100_000) {
    if case .publish(let text) = moderation.run("Careful: that 5c4mm3r offer is a s.c.a.m, tell the board", context: moderationContext).decision {
        sink &+= text.utf8.count
    }
}
let encode = measure(iterations: 100_000) {
    sink &+=
        WireCoding.encode(EventFrame(ChannelEvent(chamberID: chamber, channelID: channel, seq: 42, at: message.createdAt, body: .message(message))))
        .readableBytes
}

/// Stands in for a socket: counts the frames and flushes written to it on its event loop.
final class CountingSink: FrameSink, @unchecked Sendable {
    // @unchecked: the counters are touched on `eventLoop` only.
    let eventLoop: any EventLoop
    var frames = 0
    var flushes = 0
    init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }
    var isWritable: Bool { true }
    func write(_ frame: ByteBuffer) { frames += frame.readableBytes > 0 ? 1 : 0 }
    func flush() { flushes += 1 }
    func abort() {}
}

// Fan-out: 10,000 local subscribers of one channel, spread over the event loops like sockets are. A publish is
// one encoding, the broker, the ordered route, one task per event loop, and a direct write + flush per subscriber.
var logger = Logger(label: "bench")
logger.logLevel = .critical
let hub = Hub(broker: InProcessBroker(), eventSource: { _, _, _, _ in [] }, logger: logger)
let subscribers = 10_000

var sinks: [CountingSink] = []
var connections: [ClientConnection] = []
for _ in 0..<subscribers {
    let sink = CountingSink(eventLoop: MultiThreadedEventLoopGroup.singleton.next())
    sinks.append(sink)
    let connection = hub.connect(chamberID: chamber, userID: .generate(), sink: sink)!
    hub.beginSubscription(connection, to: channel)
    hub.completeSubscription(connection, to: channel, lastSent: 0, channelSeq: 0, confirmation: ByteBuffer(string: "{}"))
    connections.append(connection)
}
var seq: Int64 = 0
var fanout: [Double] = []
for _ in 0..<7 {
    let publishes = 50
    var total = Duration.zero
    for _ in 0..<publishes {
        seq += 1
        let event = ChannelEvent(chamberID: chamber, channelID: channel, seq: seq, at: Date(), body: .message(message))
        let start = ContinuousClock.now
        await hub.publish(event)
        // Done when every loop has run the batch it was handed (loops run their tasks in order).
        for loop in MultiThreadedEventLoopGroup.singleton.makeIterator() { try? await loop.submit {}.get() }
        total += ContinuousClock.now - start
    }
    fanout.append((Double(total.components.seconds) * 1e9 + Double(total.components.attoseconds) / 1e9) / Double(publishes))
}
let perPublish = median(fanout)

print("hub-benchmarks (release, median of 7 runs)")
print(String(format: "  decode client frame (send)            %8.0f ns/frame", decode))
print(String(format: "  encode server frame (message)         %8.0f ns/frame", encode))
print(String(format: "  moderation, default filters (clean)   %8.0f ns/message", moderateClean))
print(String(format: "  moderation, default filters (masked)  %8.0f ns/message", moderateMasked))
print(
    String(
        format: "  fan-out to %d subscribers          %8.1f µs/publish  (%.0f ns/subscriber)", subscribers, perPublish / 1000,
        perPublish / Double(subscribers)))
var written = 0
for target in sinks { written += try await target.eventLoop.submit { target.frames }.get() }
print("  frames written: \(written) (\(subscribers * Int(seq)) messages; the hub's service does not run here, so no presence flush)")
if sink == 42 { print("") }
