import ChamberLoadKit
import Foundation
import Histogram
import NIOCore
import NIOPosix

/// One worker process: drives its share of the members on a single event loop (no task per connection), follows
/// the scenario's timeline, prints a progress line every second and its report at the end, all as JSON lines.
final class LoadWorker: @unchecked Sendable {
    // Unchecked: every mutable field is touched on `loop` only (the group has one thread).
    let plan: WorkerPlan
    let loop: any EventLoop
    private let group: MultiThreadedEventLoopGroup
    var report: WorkerReport
    private var members: [Member] = []
    private var senders: [Member] = []
    private var senderCursor = 0
    private var requestCounter = 0
    private var connectCursor = 0
    private var sentScheduled = 0
    private var announcementsSent = 0
    private var reconnectDone = false
    private var finished: EventLoopPromise<Void>
    private let padding: String
    private let perSecondConnects: Double
    private let senderRate: Double

    init(plan: WorkerPlan) {
        self.plan = plan
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
        report = WorkerReport(worker: plan.worker)
        finished = loop.makePromise()
        let scenario = plan.scenario
        // Words, not one letter repeated: the server's default moderation cuts runs of a character, which would
        // shrink the messages it is meant to carry.
        padding = String(
            String(repeating: "see you at the gala tonight ", count: scenario.messageBytes / 28 + 1).prefix(max(1, scenario.messageBytes - 40)))
        let share = Double(plan.range.count) / Double(max(1, scenario.connections))
        perSecondConnects = Double(scenario.connectRate) * share
        // Chat senders: direct → every member; big-event → the picked chatters among members. The message rate is
        // split by senders, so every worker sends its share.
        let memberCount = scenario.connections - scenario.admins
        let totalSenders =
            scenario.kind == .direct
            ? scenario.connections
            : scenario.kind == .idle ? 0 : WorkerPlan.pickedCount(memberCount, percent: scenario.chattersPercent)
        var specs: [(index: Int, account: LoadAccount, isSender: Bool, isReconnecter: Bool, partner: LoadAccount?)] = []
        for index in plan.range {
            let account = plan.accounts[index]
            let memberIndex = index - scenario.admins
            let isSender: Bool
            let partner: LoadAccount?
            switch scenario.kind {
            case .direct:
                isSender = true
                partner = plan.accounts[index % 2 == 0 ? index + 1 : index - 1]
            case .idle:
                isSender = false
                partner = nil
            case .bigEvent, .reconnectStorm:
                isSender = !account.isAdmin && WorkerPlan.picks(memberIndex, percent: scenario.chattersPercent)
                partner = nil
            }
            let reconnecter =
                !account.isAdmin
                && (scenario.kind == .reconnectStorm
                    || scenario.kind == .bigEvent && WorkerPlan.picks(memberIndex, percent: scenario.reconnectPercent, offset: 0.5))
            specs.append((index, account, isSender, reconnecter, partner))
        }
        let mySenders = specs.filter(\.isSender).count
        senderRate = totalSenders > 0 ? scenario.messageRate * Double(mySenders) / Double(totalSenders) : 0
        members = specs.map {
            Member(index: $0.index, account: $0.account, isSender: $0.isSender, isReconnecter: $0.isReconnecter, partner: $0.partner, worker: self)
        }
        senders = members.filter(\.isSender)
    }

    /// Runs the whole timeline and returns when the report is printed.
    func run() throws {
        loop.execute { self.start() }
        try finished.futureResult.wait()
        try? group.syncShutdownGracefully()
    }

    func nextRequestID() -> Int {
        requestCounter += 1
        return requestCounter
    }

    func after(milliseconds: Int, _ body: @escaping @Sendable () -> Void) {
        loop.scheduleTask(in: .milliseconds(Int64(milliseconds))) { body() }
    }

    // MARK: Timeline

    private func start() {
        listenForGo()
        let delay = max(0, plan.startNanos - wallNanos())
        loop.scheduleTask(in: .nanoseconds(delay)) {
            self.loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(5)) { task in
                if !self.tick() { task.cancel() }
            }
            self.loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { task in
                if self.finishedReporting { task.cancel(); return }
                self.printProgress()
            }
        }
    }

    private var finishedReporting = false
    /// Set by the coordinator's `go` once every connection is up.
    private var timeline: Timeline?

    /// Waits for the coordinator's `go` on standard input (a thread of its own: reading blocks).
    private func listenForGo() {
        let scenario = plan.scenario
        Thread.detachNewThread {
            while let line = readLine() {
                if let timeline = Timeline.parse(Substring(line), scenario: scenario) {
                    self.loop.execute { self.timeline = timeline }
                }
            }
        }
    }

    /// One step of the timeline; false when the run is over.
    private func tick() -> Bool {
        let now = wallNanos()
        let scenario = plan.scenario
        // Ramp-up: open connections at this worker's share of the connect rate.
        let dueConnects = min(members.count, Int(Double(now - plan.startNanos) / 1e9 * perSecondConnects) + 1)
        while connectCursor < dueConnects {
            connect(members[connectCursor])
            connectCursor += 1
        }
        guard let timeline, now >= timeline.trafficStartNanos else { return true }
        let trafficStart = timeline.trafficStartNanos
        if now < timeline.trafficEndNanos {
            let elapsed = Double(now - trafficStart) / 1e9
            let due = Int(elapsed * senderRate)
            var attempts = 0
            while sentScheduled < due, !senders.isEmpty, attempts < senders.count {
                let member = senders[senderCursor % senders.count]
                senderCursor += 1
                if member.sendMessage(padding: padding) {
                    sentScheduled += 1
                    report.sent += 1
                    report.recordPerSecond(Int(elapsed), sent: 1)
                    attempts = 0
                } else {
                    attempts += 1
                }
            }
            if attempts >= senders.count { sentScheduled = due }
            announce(elapsed: elapsed)
            if !reconnectDone, elapsed >= scenario.durationSeconds * scenario.reconnectAtFraction {
                reconnectDone = true
                reconnect()
            }
            return true
        }
        if now >= timeline.reportNanos {
            finish()
            return false
        }
        return true
    }

    private func announce(elapsed: Double) {
        let interval = plan.scenario.announcementIntervalSeconds
        guard interval > 0, plan.range.contains(0), let admin = members.first, admin.account.isAdmin else { return }
        let due = Int(elapsed / interval) + 1
        while announcementsSent < due {
            announcementsSent += 1
            if admin.sendMessage(padding: padding) {
                report.sent += 1
                report.recordPerSecond(Int(elapsed), sent: 1)
            }
        }
    }

    private func reconnect() {
        let droppers = members.filter { $0.isReconnecter && $0.phase == .ready }
        guard !droppers.isEmpty else { return }
        droppers.forEach { $0.drop() }
        let delay = Int64(plan.scenario.reconnectDelaySeconds * 1000)
        loop.scheduleTask(in: .milliseconds(delay)) {
            droppers.forEach { self.connect($0) }
        }
    }

    func countDelivery(at now: Int64) {
        guard let timeline else { return }
        let second = Int((now - timeline.trafficStartNanos) / 1_000_000_000)
        report.recordPerSecond(max(0, second), delivered: 1)
    }

    /// A socket closed or failed to open without the member meaning to leave: with `reconnect_on_close` the member
    /// connects again, to the next node, until the run ends (a node that is down refuses, and the next is tried).
    func memberLost(_ member: Member) {
        guard plan.scenario.reconnectOnClose, !finishedReporting else { return }
        member.forgetSocket()
        member.phase = .dropped
        member.nodeShift += 1
        let delay = Int64(plan.scenario.reconnectDelaySeconds * 1000)
        loop.scheduleTask(in: .milliseconds(delay)) {
            if !self.finishedReporting, member.phase == .dropped { self.connect(member) }
        }
    }

    // MARK: Connections

    private func connect(_ member: Member) {
        let servers = plan.servers
        let server = servers[(member.index + member.nodeShift) % servers.count]
        let parts = server.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { return }
        let host = String(parts[0])
        let source = "127.0.0.\(1 + member.index % max(1, plan.sourceAddresses))"
        member.phase = .connecting
        if member.connectStartNanos == 0 { member.connectStartNanos = wallNanos() }
        report.connectAttempts += 1
        let handler = WebSocketClientHandler(
            host: server, path: "/v1/ws?chamber_id=\(plan.chamberID)", token: member.account.token,
            delegate: member, seed: UInt32(truncatingIfNeeded: member.index &* 2_654_435_761))
        member.handler = handler
        let bootstrap: ClientBootstrap
        do {
            bootstrap = ClientBootstrap(group: loop)
                // Generous: a server busy authenticating thousands of sockets accepts late, and its listen backlog drops
                // SYNs meanwhile (the kernel retries them after 1, 3, 7 … s).
                .connectTimeout(.seconds(30))
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .bind(to: try SocketAddress(ipAddress: source, port: 0))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
                }
        } catch {
            member.webSocket(handler, failed: "bad source address \(source)")
            return
        }
        bootstrap.connect(host: host, port: port).whenFailure { error in
            member.webSocket(handler, failed: LoadFailure.describe(error))
        }
    }

    // MARK: Reporting

    private func printProgress() {
        let p99 = report.deliveryLatency.totalCount > 0 ? report.deliveryLatency.valueAtPercentile(99) : 0
        emit(
            .progress(
                WorkerProgress(
                    worker: plan.worker, connected: members.filter { $0.phase == .ready }.count,
                    delivered: report.delivered, sent: report.sent, p99Micros: p99)))
    }

    private func finish() {
        finishedReporting = true
        for member in members where !member.account.isAdmin && member.everReady && plan.scenario.kind != .idle {
            for channel in member.readChannels {
                guard let seq = member.channels[channel]?.lastSeq, seq >= 0 else { continue }
                report.reach[channel, default: [:]]["\(seq)", default: 0] += 1
            }
        }
        emit(.report(report))
        for member in members { member.drop() }
        loop.scheduleTask(in: .milliseconds(300)) { self.finished.succeed() }
    }

    private func emit(_ line: WorkerLine) {
        FileHandle.standardOutput.write(Data((line.encoded + "\n").utf8))
    }
}
