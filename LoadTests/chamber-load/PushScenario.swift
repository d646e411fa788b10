import ArgumentParser
import Foundation
import NIOPosix

/// The push scenario: announcements to a chamber whose members are all offline with a phone each. Each push is timed
/// from the announcement's acceptance (its `201`) to the provider's request arriving at a local FCM, which this
/// process plays; the server must run with `push.fcm.*` pointing here (`LoadTests/push-bench.sh` does it).
struct PushScenario: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Announcements to offline members with phones: acceptance → FCM request latency, and pushes per second.")

    @Option(help: "Offline members, each with one FCM device.")
    var members = 1_000

    @Option(help: "Announcements posted.")
    var announcements = 10

    @Option(help: "Seconds between announcements (0: back to back, for throughput).")
    var interval = 2.0

    @Option(help: "Port of the local FCM this process plays (the server's push.fcm.endpoint and token_uri).")
    var fcmPort = 18_300

    @Option(help: "The server, http://host:port.")
    var url = "http://127.0.0.1:8080"

    @Option(help: "Platform admin who provisions the accounts.")
    var adminEmail = "platform@demo.chamberconnect.test"

    @Option(help: "That admin's password.")
    var adminPassword = "chamber-demo-2026"

    @Option(help: "Seconds to wait for every phone to have the last announcement's push.")
    var drain = 30.0

    @Option(help: "Seconds to go on listening once every phone has it (a push sent twice after a lease ran out comes 30 s late).")
    var linger = 3.0

    @Option(help: "Write the figures as JSON to this file.")
    var json: String?

    func run() async throws {
        let fcm = try await FakeFCMEndpoint.start(port: fcmPort, group: MultiThreadedEventLoopGroup.singleton)
        let provisioner = Provisioner(baseURL: url, email: adminEmail, password: adminPassword)
        let cohort = try await provisioner.provision(members: members, admins: 1, tokenSeconds: 3_600)
        guard let admin = cohort.accounts.first(where: { $0.role == "admin" }) else { throw ValidationError("the cohort has no admin") }
        let phones = cohort.accounts.filter { $0.role != "admin" }
        let run = UUID().uuidString.prefix(8)
        print("registering \(phones.count) phones…")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, account) in phones.enumerated() {
                if index >= 16 { try await group.next() }
                group.addTask {
                    _ = try await provisioner.post(
                        "/v1/me/devices", body: ["platform": "fcm", "fcm": ["token": "bench-\(run)-\(index)"]], token: account.accessToken)
                }
            }
            try await group.waitForAll()
        }
        var accepted: [Int: Int64] = [:]
        let path = "/v1/chambers/\(cohort.chamberId)/channels/\(cohort.announcementsId)/messages"
        for index in 0..<announcements {
            let answer = try await provisioner.post(
                path, body: ["client_message_id": "push-\(run)-\(index)", "body": "Announcement \(index)"], token: admin.accessToken)
            let at = wallNanos()
            let object = try? JSONSerialization.jsonObject(with: answer) as? [String: Any]
            guard let seq = (object?["message"] as? [String: Any])?["seq"] as? Int else {
                throw ValidationError("the message answer has no seq: \(String(decoding: answer, as: UTF8.self))")
            }
            accepted[seq] = at
            if interval > 0 { try await Task.sleep(for: .seconds(interval)) }
        }
        // Pushes not yet sent grow into one ("3 new messages"), so a phone need not get every announcement; it must
        // get the last.
        let last = accepted.keys.max()
        let deadline = ContinuousClock.now + .seconds(drain)
        while ContinuousClock.now < deadline {
            if Set(fcm.received.filter { $0.seq == last }.map(\.token)).count >= phones.count { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        try await Task.sleep(for: .seconds(linger))
        await fcm.stop()
        let figures = Figures(arrivals: fcm.received.filter { $0.token.hasPrefix("bench-\(run)-") }, accepted: accepted, phones: phones.count)
        print(figures.summary)
        if let json { try figures.json().write(to: URL(fileURLWithPath: json)) }
    }

    /// What a run measured.
    struct Figures: Encodable {
        let phones: Int
        let announcements: Int
        let pushes: Int
        let duplicates: Int
        /// Phones whose newest push is not the last announcement (none at all included): what was lost. A phone may
        /// get fewer pushes than announcements, since pushes not yet sent grow into one ("3 new messages").
        let phonesBehind: Int
        /// Those phones by the newest announcement they got (0: none), for a look when any are behind.
        let behindByNewest: [Int: Int]
        let latencyMedianMs: Double
        let latencyP99Ms: Double
        let latencyMaxMs: Double
        /// Per announcement: its pushes over the time from acceptance to its last push; the median over announcements.
        let pushesPerSecondMedian: Double
        /// All pushes over the time from the first acceptance to the last push.
        let pushesPerSecondOverall: Double

        init(arrivals: [FakeFCMEndpoint.Arrival], accepted: [Int: Int64], phones: Int) {
            self.phones = phones
            announcements = accepted.count
            pushes = arrivals.count
            duplicates = arrivals.count - Set(arrivals.map { "\($0.token)#\($0.seq)" }).count
            let newest = Dictionary(arrivals.map { ($0.token, $0.seq) }, uniquingKeysWith: max)
            let lastAnnouncement = accepted.keys.max()
            phonesBehind = phones - newest.values.filter { $0 == lastAnnouncement }.count
            var behind = Dictionary(grouping: newest.values.filter { $0 != lastAnnouncement }, by: { $0 }).mapValues(\.count)
            if phones > newest.count { behind[0] = phones - newest.count }
            behindByNewest = behind
            var latencies: [Double] = []
            var rates: [Double] = []
            for (seq, start) in accepted {
                let mine = arrivals.filter { $0.seq == seq }
                latencies += mine.map { Double($0.atNanos - start) / 1e6 }
                if let last = mine.map(\.atNanos).max(), last > start { rates.append(Double(mine.count) / (Double(last - start) / 1e9)) }
            }
            latencies.sort()
            func percentile(_ p: Double) -> Double { latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
            latencyMedianMs = percentile(0.5)
            latencyP99Ms = percentile(0.99)
            latencyMaxMs = latencies.last ?? 0
            rates.sort()
            pushesPerSecondMedian = rates.isEmpty ? 0 : rates[rates.count / 2]
            let first = accepted.values.min() ?? 0
            let last = arrivals.map(\.atNanos).max() ?? first
            pushesPerSecondOverall = last > first ? Double(arrivals.count) / (Double(last - first) / 1e9) : 0
        }

        var summary: String {
            String(
                format:
                    "push: %d phones × %d announcements → %d pushes (%d duplicates, %d phones without the last announcement); acceptance → FCM request: median %.1f ms, p99 %.1f ms, max %.1f ms; pushes/s per announcement (median) %.0f, overall %.0f",
                phones, announcements, pushes, duplicates, phonesBehind, latencyMedianMs, latencyP99Ms, latencyMaxMs, pushesPerSecondMedian,
                pushesPerSecondOverall)
                + (behindByNewest.isEmpty
                    ? ""
                    : "; phones behind, by the newest announcement they got: "
                        + behindByNewest.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))
        }

        func json() throws -> Data {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            return try encoder.encode(self)
        }
    }
}
