import ChamberLoadKit
import Foundation
import Histogram
import NIOCore

/// One simulated member: an account, its socket, and what it has seen of each channel. Lives on the worker's single
/// event loop, like everything of the worker, so it needs no locks (hence the unchecked Sendable).
final class Member: WebSocketClientDelegate, @unchecked Sendable {
    enum Phase { case waiting, connecting, welcomed, ready, dropped, failed }

    /// What a member knows of one channel it reads.
    struct ChannelProgress {
        /// The highest sequence applied; -1 until the first `subscribed`.
        var lastSeq: Int64 = -1
        var subscribed = false
    }

    let index: Int
    let account: LoadAccount
    let isSender: Bool
    let isReconnecter: Bool
    /// Direct: the other member of the pair.
    let partner: LoadAccount?
    unowned let worker: LoadWorker

    var phase = Phase.waiting
    var handler: WebSocketClientHandler?
    var channels: [String: ChannelProgress] = [:]
    var directChannel: String?
    var connectStartNanos: Int64 = 0
    var droppedAtNanos: Int64?
    var everReady = false
    /// Request id → when it was sent (ack latency), and subscribes in flight.
    var pendingSends: [Int: Int64] = [:]
    var pendingSubscribes: [Int: String] = [:]
    var openDirectAttempts = 0
    /// Connections opened after the first: each goes to the next node given (`reconnect_on_close`).
    var nodeShift = 0

    init(index: Int, account: LoadAccount, isSender: Bool, isReconnecter: Bool, partner: LoadAccount?, worker: LoadWorker) {
        self.index = index
        self.account = account
        self.isSender = isSender
        self.isReconnecter = isReconnecter
        self.partner = partner
        self.worker = worker
    }

    /// The channels this member reads, once known.
    var readChannels: [String] {
        switch worker.plan.scenario.kind {
        case .bigEvent, .reconnectStorm: account.isAdmin ? [] : [worker.plan.roomID, worker.plan.announcementsID]
        case .direct: directChannel.map { [$0] } ?? []
        case .idle: []
        }
    }

    /// Where this member's chat messages go.
    var sendChannel: String? {
        switch worker.plan.scenario.kind {
        case .bigEvent, .reconnectStorm: account.isAdmin ? worker.plan.announcementsID : worker.plan.roomID
        case .direct: directChannel
        case .idle: nil
        }
    }

    // MARK: Socket events

    func webSocketOpened(_ handler: WebSocketClientHandler) {}

    func webSocket(_ handler: WebSocketClientHandler, text: UnsafeRawBufferPointer) {
        let frame = FrameScanner(text)
        guard let type = frame.string("type") else { return }
        switch type {
        case "message": received(frame)
        case "ack": acknowledged(frame)
        case "subscribed": subscribed(frame)
        case "welcome": welcomed()
        case "channel": openedDirect(frame)
        case "recovery_incomplete":
            worker.report.recoveryIncomplete += 1
            if let channel = frame.string("channel_id").map(String.init), let last = frame.int("latest_seq") { channels[channel]?.lastSeq = last }
        case "error": failedRequest(frame)
        default: break
        }
    }

    func webSocket(_ handler: WebSocketClientHandler, closedWith code: UInt16?) {
        guard handler === self.handler else { return }
        self.handler = nil
        if phase == .dropped { return }
        worker.report.count(code.map { "closed by server (\($0))" } ?? "disconnected", in: \.failures)
        phase = .failed
        worker.memberLost(self)
    }

    func webSocket(_ handler: WebSocketClientHandler, failed reason: String) {
        guard handler === self.handler else { return }
        self.handler = nil
        if phase == .dropped { return }
        worker.report.count(reason, in: \.failures)
        if !everReady { worker.report.connectFailures += 1 }
        phase = .failed
        worker.memberLost(self)
    }

    // MARK: Protocol

    private func welcomed() {
        phase = .welcomed
        switch worker.plan.scenario.kind {
        case .direct:
            if let directChannel { subscribe(directChannel) } else { openDirect() }
        default:
            let channels = readChannels
            if channels.isEmpty { becomeReady() } else { channels.forEach(subscribe) }
        }
    }

    private func openDirect() {
        guard let partner else { return }
        openDirectAttempts += 1
        handler?.send(#"{"type":"open_direct","id":"od","user_id":"\#(partner.userID)"}"#)
    }

    /// The answer to `open_direct`. Both the frame and its channel object have an `id`, in no fixed order, so this
    /// one frame per member is parsed in full.
    private func openedDirect(_ frame: FrameScanner) {
        guard directChannel == nil,
            let object = try? JSONSerialization.jsonObject(with: Data(frame.bytes)) as? [String: Any],
            object["id"] as? String == "od",
            let channel = (object["channel"] as? [String: Any])?["id"] as? String
        else { return }
        directChannel = channel
        subscribe(channel)
    }

    private func subscribe(_ channel: String) {
        let id = worker.nextRequestID()
        pendingSubscribes[id] = channel
        let last = channels[channel]?.lastSeq ?? -1
        channels[channel, default: ChannelProgress()].subscribed = false
        handler?.send(
            last >= 0
                ? #"{"type":"subscribe","id":"\#(id)","channel_id":"\#(channel)","since":\#(last)}"#
                : #"{"type":"subscribe","id":"\#(id)","channel_id":"\#(channel)"}"#)
    }

    private func subscribed(_ frame: FrameScanner) {
        guard let id = frame.string("id").flatMap({ Int($0) }), let channel = pendingSubscribes.removeValue(forKey: id) else { return }
        var progress = channels[channel, default: ChannelProgress()]
        if progress.lastSeq < 0 { progress.lastSeq = frame.int("last_seq") ?? 0 }
        progress.subscribed = true
        channels[channel] = progress
        if pendingSubscribes.isEmpty, readChannels.allSatisfy({ channels[$0]?.subscribed == true }) { becomeReady() }
    }

    private func becomeReady() {
        guard phase != .ready else { return }
        phase = .ready
        let now = wallNanos()
        if everReady {
            worker.report.reconnects += 1
            if let dropped = droppedAtNanos { worker.report.reconnectLatency.record(UInt64(max(1, (now - dropped) / 1000))) }
        } else {
            everReady = true
            worker.report.connected += 1
            worker.report.connectLatency.record(UInt64(max(1, (now - connectStartNanos) / 1000)))
        }
        droppedAtNanos = nil
    }

    private func received(_ frame: FrameScanner) {
        guard let channel = frame.string("channel_id"), let seq = frame.int("seq") else { return }
        let key = String(channel)
        guard var progress = channels[key], progress.lastSeq >= 0 else { return }
        if seq <= progress.lastSeq {
            worker.report.duplicates += 1
            return
        }
        if seq > progress.lastSeq + 1 { worker.report.gaps += 1 }
        progress.lastSeq = seq
        let live = progress.subscribed
        channels[key] = progress
        worker.report.delivered += 1
        let now = wallNanos()
        worker.countDelivery(at: now)
        // Replayed events (before `subscribed`) are recovery, not live delivery: their age is not a latency.
        if live, let sentAt = frame.int("ts"), now > sentAt {
            worker.report.deliveryLatency.record(UInt64(max(1, (now - sentAt) / 1000)))
        }
    }

    private func acknowledged(_ frame: FrameScanner) {
        guard let id = frame.string("id").flatMap({ Int($0) }), let sentAt = pendingSends.removeValue(forKey: id) else { return }
        guard frame.string("status") == "published" else {
            worker.report.count("held", in: \.errors)
            return
        }
        // Ids are unique per run (the run's start time is in them): a duplicate means the server deduplicated a
        // send it should have stored, which would hide a lost message.
        if frame.bool("duplicate") == true { worker.report.count("duplicate ack", in: \.errors) }
        worker.report.acked += 1
        worker.report.ackLatency.record(UInt64(max(1, (wallNanos() - sentAt) / 1000)))
        if let channel = frame.string("channel_id"), let seq = frame.int("seq") {
            worker.report.maxAckedSeq[String(channel), default: 0] = max(worker.report.maxAckedSeq[String(channel), default: 0], seq)
        }
    }

    private func failedRequest(_ frame: FrameScanner) {
        let code = frame.string("code").map(String.init) ?? "unknown"
        worker.report.count(code, in: \.errors)
        guard let rawID = frame.string("id") else { return }
        if rawID == "od", directChannel == nil, openDirectAttempts < 5 {
            // Both members of a pair open the DM at once; the loser of that race asks again.
            worker.after(milliseconds: 50 * openDirectAttempts) { [weak self] in self?.openDirect() }
            return
        }
        if let id = Int(rawID) {
            pendingSends.removeValue(forKey: id)
            if pendingSubscribes.removeValue(forKey: id) != nil { worker.report.count("subscribe refused: \(code)", in: \.failures) }
        }
    }

    // MARK: Actions

    /// Sends one chat message stamped with the wall clock; false when not connected.
    @discardableResult
    func sendMessage(padding: String) -> Bool {
        guard phase == .ready, let handler, let channel = sendChannel else { return false }
        let id = worker.nextRequestID()
        let now = wallNanos()
        pendingSends[id] = now
        handler.send(
            #"{"type":"send","id":"\#(id)","channel_id":"\#(channel)","client_message_id":"\#(worker.plan.startNanos)-\#(worker.plan.worker)-\#(id)","body":"load test message","data":{"ts":\#(now),"p":"\#(padding)"}}"#
        )
        return true
    }

    /// Leaves on purpose (a reconnect test): the socket closes normally and the member comes back later.
    func drop() {
        guard phase == .ready || phase == .welcomed, let handler else { return }
        phase = .dropped
        forgetSocket()
        self.handler = nil
        handler.close()
    }

    /// What a closed socket took with it: requests it will never answer, and live subscriptions (a new socket
    /// recovers each channel from `lastSeq`). The member's progress stays, so nothing it read is counted twice.
    func forgetSocket() {
        if droppedAtNanos == nil { droppedAtNanos = wallNanos() }
        pendingSends.removeAll()
        pendingSubscribes.removeAll()
        for key in channels.keys { channels[key]?.subscribed = false }
    }
}
