import CoreMetrics
import Metrics

/// The hub's metrics, named in one place (Prometheus names on `/metrics`).
struct HubMetrics: Sendable {
    let connections = Gauge(label: "chamber_ws_connections")
    let connectionsOpened = Counter(label: "chamber_ws_connections_opened_total")
    let framesIn = Counter(label: "chamber_ws_frames_in_total")
    let framesOut = Counter(label: "chamber_ws_frames_out_total")
    let messagesPublished = Counter(label: "chamber_messages_published_total")
    let fanoutDeliveries = Counter(label: "chamber_fanout_deliveries_total")
    let slowConsumerClosed = Counter(label: "chamber_ws_slow_consumer_closed_total")
    let rateLimited = Counter(label: "chamber_ws_rate_limited_total")
    let gapRepairs = Counter(label: "chamber_fanout_gap_repairs_total")
    /// Channel streams caught up from the store after a (re)subscription upstream.
    let catchUps = Counter(label: "chamber_fanout_catch_ups_total")
    let fanoutDuration = Timer(label: "chamber_fanout_duration_seconds")
    /// Socket sends checked against the rights the socket kept (no SQL run to decide), and against rights read.
    let sendRightsKept = Counter(label: "chamber_send_rights_total", dimensions: [("source", "kept")])
    let sendRightsRead = Counter(label: "chamber_send_rights_total", dimensions: [("source", "read")])
}
