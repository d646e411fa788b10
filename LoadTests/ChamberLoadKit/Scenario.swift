import Foundation

/// One load-test scenario: what the simulated members do and for how long. Read from `LoadTests/scenarios/*.json`;
/// any field can be overridden on the command line (`--set key=value`). Keys are snake_case, as in the files.
public struct Scenario: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// Attendees in one event room: some chat, admins announce, some reconnect mid-run and must recover.
        case bigEvent = "big-event"
        /// Pairs of members exchanging direct messages.
        case direct
        /// Everyone in the room drops and reconnects at once, mid-run, while messages keep flowing.
        case reconnectStorm = "reconnect-storm"
        /// Connections that only keep alive: memory per connection.
        case idle
    }

    public var name: String
    public var description: String?
    public var kind: Kind
    /// Simulated members (sockets), admins included.
    public var connections: Int
    /// New connections per second during the ramp-up (all workers together).
    public var connectRate: Int
    /// Length of the measured phase, after everyone is connected.
    public var durationSeconds: Double
    /// Share of members who chat (big-event, reconnect-storm).
    public var chattersPercent: Double
    /// Chat messages per second, all senders together (for direct: all pairs together).
    public var messageRate: Double
    /// Admin accounts; they post to the announcement channel every `announcementIntervalSeconds` (0: never).
    public var admins: Int
    public var announcementIntervalSeconds: Double
    /// Share of members that drop and reconnect (with recovery) once, at `reconnectAtFraction` of the run.
    public var reconnectPercent: Double
    public var reconnectAtFraction: Double
    /// How long a dropped member waits before reconnecting.
    public var reconnectDelaySeconds: Double
    /// Padding so each message's `data` is about this many bytes.
    public var messageBytes: Int
    /// After the last send: time for the last deliveries before counting what is lost.
    public var drainSeconds: Double
    /// Worker processes (0: as many as the connection count needs, see ``Plan``).
    public var workers: Int
    /// Loopback source addresses 127.0.0.1 … 127.0.0.N to spread connections over (0: as many as needed).
    public var sourceAddresses: Int
    /// The run's chamber lets a member send this many messages per channel in 10 s (its flood control, set through
    /// the moderation settings API before the run); 0 leaves the server's default (20). For runs that measure the
    /// store: a send refused `flood_limited` is never stored, so it measures nothing.
    public var floodMessages: Int
    /// A member whose socket closes or cannot connect (not one that leaves on purpose) connects again after
    /// `reconnectDelaySeconds`, to the next node given, and recovers with `since`: the loss counter then holds
    /// across a node's death or a dropped socket (fault runs).
    public var reconnectOnClose: Bool

    public init(
        name: String, description: String? = nil, kind: Kind, connections: Int, connectRate: Int = 1000, durationSeconds: Double = 30,
        chattersPercent: Double = 0, messageRate: Double = 0, admins: Int = 1, announcementIntervalSeconds: Double = 0,
        reconnectPercent: Double = 0, reconnectAtFraction: Double = 0.5, reconnectDelaySeconds: Double = 1, messageBytes: Int = 128,
        drainSeconds: Double = 3, workers: Int = 0, sourceAddresses: Int = 0, floodMessages: Int = 0,
        reconnectOnClose: Bool = false
    ) {
        self.name = name
        self.description = description
        self.kind = kind
        self.connections = connections
        self.connectRate = connectRate
        self.durationSeconds = durationSeconds
        self.chattersPercent = chattersPercent
        self.messageRate = messageRate
        self.admins = admins
        self.announcementIntervalSeconds = announcementIntervalSeconds
        self.reconnectPercent = reconnectPercent
        self.reconnectAtFraction = reconnectAtFraction
        self.reconnectDelaySeconds = reconnectDelaySeconds
        self.messageBytes = messageBytes
        self.drainSeconds = drainSeconds
        self.workers = workers
        self.sourceAddresses = sourceAddresses
        self.floodMessages = floodMessages
        self.reconnectOnClose = reconnectOnClose
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, kind, connections, connectRate, durationSeconds, chattersPercent, messageRate, admins, announcementIntervalSeconds
        case reconnectPercent, reconnectAtFraction, reconnectDelaySeconds, messageBytes, drainSeconds, workers, sourceAddresses, floodMessages
        case reconnectOnClose
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = Scenario(name: "", kind: .idle, connections: 0)
        name = try c.decode(String.self, forKey: .name)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        kind = try c.decode(Kind.self, forKey: .kind)
        connections = try c.decode(Int.self, forKey: .connections)
        connectRate = try c.decodeIfPresent(Int.self, forKey: .connectRate) ?? defaults.connectRate
        durationSeconds = try c.decodeIfPresent(Double.self, forKey: .durationSeconds) ?? defaults.durationSeconds
        chattersPercent = try c.decodeIfPresent(Double.self, forKey: .chattersPercent) ?? defaults.chattersPercent
        messageRate = try c.decodeIfPresent(Double.self, forKey: .messageRate) ?? defaults.messageRate
        admins = try c.decodeIfPresent(Int.self, forKey: .admins) ?? defaults.admins
        announcementIntervalSeconds = try c.decodeIfPresent(Double.self, forKey: .announcementIntervalSeconds) ?? defaults.announcementIntervalSeconds
        reconnectPercent = try c.decodeIfPresent(Double.self, forKey: .reconnectPercent) ?? defaults.reconnectPercent
        reconnectAtFraction = try c.decodeIfPresent(Double.self, forKey: .reconnectAtFraction) ?? defaults.reconnectAtFraction
        reconnectDelaySeconds = try c.decodeIfPresent(Double.self, forKey: .reconnectDelaySeconds) ?? defaults.reconnectDelaySeconds
        messageBytes = try c.decodeIfPresent(Int.self, forKey: .messageBytes) ?? defaults.messageBytes
        drainSeconds = try c.decodeIfPresent(Double.self, forKey: .drainSeconds) ?? defaults.drainSeconds
        workers = try c.decodeIfPresent(Int.self, forKey: .workers) ?? defaults.workers
        sourceAddresses = try c.decodeIfPresent(Int.self, forKey: .sourceAddresses) ?? defaults.sourceAddresses
        floodMessages = try c.decodeIfPresent(Int.self, forKey: .floodMessages) ?? defaults.floodMessages
        reconnectOnClose = try c.decodeIfPresent(Bool.self, forKey: .reconnectOnClose) ?? defaults.reconnectOnClose
    }

    /// Every key a scenario file or `--set` may name.
    public static var keys: [String] { CodingKeys.allCases.map { $0.stringValue.snakeCased } }

    /// Reads a scenario file and applies `overrides` (`key=value`, keys as in the file). Every problem names the key.
    public static func load(_ data: Data, overrides: [String] = []) throws(ScenarioError) -> Scenario {
        guard var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ScenarioError("the scenario file is not a JSON object")
        }
        object.removeValue(forKey: "_comment")
        for key in object.keys where !keys.contains(key) {
            throw ScenarioError("unknown key '\(key)'; known keys: \(keys.joined(separator: ", "))")
        }
        for override in overrides {
            let parts = override.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, keys.contains(parts[0]) else {
                throw ScenarioError("--set '\(override)' must be key=value with a key among: \(keys.joined(separator: ", "))")
            }
            object[parts[0]] =
                Double(parts[1]).map { $0 == $0.rounded() && !parts[1].contains(".") ? Int($0) as Any : $0 as Any }
                ?? Bool(parts[1]).map { $0 as Any } ?? parts[1]
        }
        let scenario: Scenario
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            scenario = try decoder.decode(Scenario.self, from: JSONSerialization.data(withJSONObject: object))
        } catch let DecodingError.keyNotFound(key, _) {
            throw ScenarioError("'\(key.stringValue.snakeCased)' is required")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.dataCorrupted(context) {
            throw ScenarioError(
                "'\(context.codingPath.map(\.stringValue.snakeCased).joined(separator: "."))' has the wrong type or value: \(context.debugDescription)"
            )
        } catch {
            throw ScenarioError("cannot read the scenario: \(error)")
        }
        try scenario.validate()
        return scenario
    }

    /// Bounds that keep a run finite and meaningful.
    public func validate() throws(ScenarioError) {
        func require(_ condition: Bool, _ key: String, _ rule: String) throws(ScenarioError) {
            if !condition { throw ScenarioError("'\(key)' \(rule)") }
        }
        try require((1...200_000).contains(connections), "connections", "must be 1 to 200000")
        try require((1...50_000).contains(connectRate), "connect_rate", "must be 1 to 50000 per second")
        try require(durationSeconds > 0 && durationSeconds <= 3600, "duration_seconds", "must be more than 0 and at most 3600")
        try require((0...100).contains(chattersPercent), "chatters_percent", "must be 0 to 100")
        try require(messageRate >= 0 && messageRate <= 1_000_000, "message_rate", "must be 0 to 1000000")
        try require(admins >= 1 && admins < connections || kind == .direct && admins >= 1, "admins", "must be at least 1 and fewer than connections")
        try require(announcementIntervalSeconds >= 0, "announcement_interval_seconds", "must be 0 (none) or more")
        try require((0...100).contains(reconnectPercent), "reconnect_percent", "must be 0 to 100")
        try require((0...1).contains(reconnectAtFraction), "reconnect_at_fraction", "must be 0 to 1")
        try require(reconnectDelaySeconds >= 0 && reconnectDelaySeconds <= 60, "reconnect_delay_seconds", "must be 0 to 60")
        try require((16...4000).contains(messageBytes), "message_bytes", "must be 16 to 4000")
        try require(drainSeconds >= 0 && drainSeconds <= 60, "drain_seconds", "must be 0 to 60")
        try require((0...64).contains(workers), "workers", "must be 0 (automatic) to 64")
        try require((0...250).contains(sourceAddresses), "source_addresses", "must be 0 (automatic) to 250")
        try require((0...1000).contains(floodMessages), "flood_messages", "must be 0 (the server's default) to 1000")
        if kind == .direct { try require(connections % 2 == 0, "connections", "must be even for direct (members chat in pairs)") }
    }

    /// How long the ramp-up takes at the connect rate, plus a margin for the slowest handshakes.
    public var rampSeconds: Double { Double(connections) / Double(connectRate) + 2 }
}

public struct ScenarioError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension String {
    var snakeCased: String {
        var out = ""
        for character in self {
            if character.isUppercase { out += "_" + character.lowercased() } else { out.append(character) }
        }
        return out
    }
}
