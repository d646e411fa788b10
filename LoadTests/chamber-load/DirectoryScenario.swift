import ArgumentParser
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The directory benchmark: a chamber with many businesses, searched at a steady rate by members.
///
/// Open loop: request `i` is due at `start + i / rate` whatever came back before, and its latency runs from when it
/// was due, so a server that falls behind shows it (no coordinated omission). Requests go over keep-alive
/// connections, one at a time each.
struct DirectoryScenario: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "directory",
        abstract: "Directory search over many businesses at a steady rate: latency from when each search was due.")

    @Option(help: "Businesses in the chamber (seeded first through the REST API).")
    var businesses = 10_000

    @Option(help: "Searches per second.")
    var rate = 1_000

    @Option(help: "Seconds of searching (after a 2 s warm-up at the same rate, not counted).")
    var duration = 10.0

    @Option(help: "Keep-alive connections the searches share.")
    var connections = 32

    @Option(help: "The server, http://host:port.")
    var url = "http://127.0.0.1:8080"

    @Option(help: "Platform admin who provisions the chamber.")
    var adminEmail = "platform@demo.chamberconnect.test"

    @Option(help: "That admin's password.")
    var adminPassword = "chamber-demo-2026"

    @Option(help: "Write the figures as JSON to this file.")
    var json: String?

    /// Words the businesses are named and described with, and searched by.
    static let words = [
        "acme", "harbor", "maple", "summit", "river", "pioneer", "granite", "cedar", "union", "liberty", "prairie", "lincoln", "capitol",
        "heritage", "meadow", "beacon", "frontier", "keystone", "orchard", "willow", "copper", "sterling", "evergreen", "lakeside",
        "northern", "golden", "redwood", "crescent", "landmark", "horizon",
    ]
    static let trades = ["bakery", "dental", "hardware", "legal", "print", "coffee", "auto", "insurance", "realty", "florist", "fitness", "tailor"]
    static let cities = ["Springfield", "Chatham", "Rochester", "Sherman", "Petersburg", "Auburn", "Pawnee", "Riverton"]

    func run() async throws {
        guard let server = URL(string: url), let host = server.host, let port = server.port else { throw ValidationError("bad --url \(url)") }
        let provisioner = Provisioner(baseURL: url, email: adminEmail, password: adminPassword)
        let cohort = try await provisioner.provision(members: 1, admins: 1, tokenSeconds: 3_600)
        guard let admin = cohort.accounts.first(where: { $0.role == "admin" }), let member = cohort.accounts.first(where: { $0.role != "admin" })
        else { throw ValidationError("the cohort lacks an admin or a member") }
        print("seeding \(businesses) businesses…")
        let seeded = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<businesses {
                if index >= 32 { try await group.next() }
                group.addTask {
                    _ = try await provisioner.post(
                        "/v1/chambers/\(cohort.chamberId)/businesses", body: Self.business(index), token: admin.accessToken)
                }
            }
            try await group.waitForAll()
        }
        print("seeded in \(ContinuousClock.now - seeded); searching at \(rate)/s for \(duration) s over \(connections) connections…")
        let paths = (0..<997).map { index -> String in
            let word = Self.words[index % Self.words.count]
            switch index % 4 {
            case 0: return "/v1/chambers/\(cohort.chamberId)/directory?q=\(word)"
            case 1: return "/v1/chambers/\(cohort.chamberId)/directory?q=\(word.prefix(4))%20\(Self.trades[index % Self.trades.count])"
            case 2: return "/v1/chambers/\(cohort.chamberId)/directory?q=\(Self.cities[index % Self.cities.count].lowercased())&limit=20"
            default: return "/v1/chambers/\(cohort.chamberId)/directory?category=\(["722", "5411", "44-45", "621"][index % 4])&sort=name"
            }
        }
        let group = MultiThreadedEventLoopGroup.singleton
        var channels: [SearchConnection.Channel] = []
        for _ in 0..<connections { channels.append(try await SearchConnection.connect(host: host, port: port, group: group)) }
        let warmup = 2.0
        let total = Int((duration + warmup) * Double(rate))
        let start = ContinuousClock.now + .milliseconds(100)
        let (rate, token, count) = (rate, member.accessToken, channels.count)
        let latencies = try await withThrowingTaskGroup(of: [(Int, Double, Bool)].self) { tasks in
            for (slot, channel) in channels.enumerated() {
                tasks.addTask {
                    try await channel.executeThenClose { inbound, outbound in
                        var iterator = inbound.makeAsyncIterator()
                        var results: [(Int, Double, Bool)] = []
                        for index in stride(from: slot, to: total, by: count) {
                            let due = start + .nanoseconds(Int64(Double(index) / Double(rate) * 1e9))
                            if ContinuousClock.now < due { try await Task.sleep(until: due) }
                            let ok = try await SearchConnection.get(
                                paths[index % paths.count], host: host, token: token, outbound: outbound, inbound: &iterator)
                            results.append((index, (ContinuousClock.now - due).milliseconds, ok))
                        }
                        return results
                    }
                }
            }
            return try await tasks.reduce(into: []) { $0 += $1 }
        }
        let counted = latencies.filter { $0.0 >= Int(warmup * Double(rate)) }
        let figures = Figures(
            businesses: businesses, rate: rate, seconds: duration, requests: counted.count, errors: counted.filter { !$0.2 }.count,
            latencies: counted.map(\.1).sorted())
        print(figures.summary)
        if let json { try figures.json().write(to: URL(fileURLWithPath: json)) }
    }

    /// The `index`th business: two words, a trade, a city, a category; a sentence of description.
    static func business(_ index: Int) -> [String: Any] {
        let first = words[index % words.count]
        let second = words[(index / words.count) % words.count]
        let trade = trades[index % trades.count]
        return [
            "legal_name": "\(first.capitalized) \(second.capitalized) \(trade.capitalized) \(index)",
            "category": ["722", "5411", "44-45", "621", "522", "5418"][index % 6],
            "description":
                "A \(trade) business serving \(cities[(index / 7) % cities.count]) since \(1950 + index % 70): \(words[(index * 7) % words.count]) quality.",
            "address": ["line1": "\(index % 900 + 1) Main St", "city": cities[index % cities.count], "region": "IL"],
            "website": "https://\(first)-\(second)-\(index).example",
        ]
    }

    struct Figures: Encodable {
        let businesses: Int
        let rate: Int
        let seconds: Double
        let requests: Int
        let errors: Int
        let latencyMedianMs: Double
        let latencyP99Ms: Double
        let latencyMaxMs: Double

        init(businesses: Int, rate: Int, seconds: Double, requests: Int, errors: Int, latencies: [Double]) {
            (self.businesses, self.rate, self.seconds, self.requests, self.errors) = (businesses, rate, seconds, requests, errors)
            func percentile(_ p: Double) -> Double { latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
            latencyMedianMs = percentile(0.5)
            latencyP99Ms = percentile(0.99)
            latencyMaxMs = latencies.last ?? 0
        }

        var summary: String {
            String(
                format:
                    "directory: %d businesses, %d searches/s for %.0f s → %d searches (%d errors); latency from due: median %.2f ms, p99 %.2f ms, max %.1f ms",
                businesses, rate, seconds, requests, errors, latencyMedianMs, latencyP99Ms, latencyMaxMs)
        }

        func json() throws -> Data {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            return try encoder.encode(self)
        }
    }
}

extension Duration {
    fileprivate var milliseconds: Double { Double(components.seconds) * 1_000 + Double(components.attoseconds) / 1e15 }
}

/// Keep-alive HTTP/1.1 connections that send a GET and read its whole answer, one at a time each.
enum SearchConnection {
    typealias Channel = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>

    static func connect(host: String, port: Int, group: any EventLoopGroup) async throws -> Channel {
        try await ClientBootstrap(group: group).connect(host: host, port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                return try Channel(wrappingChannelSynchronously: channel)
            }
        }
    }

    /// GETs `path`; true when it answered 200.
    static func get(
        _ path: String, host: String, token: String, outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>,
        inbound: inout NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    ) async throws -> Bool {
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: host)
        head.headers.add(name: "Authorization", value: "Bearer \(token)")
        try await outbound.write(contentsOf: [.head(head), .end(nil)])
        var ok = false
        while let part = try await inbound.next() {
            switch part {
            case .head(let response): ok = response.status == .ok
            case .body: continue
            case .end: return ok
            }
        }
        throw ValidationError("the server closed the connection")
    }
}
