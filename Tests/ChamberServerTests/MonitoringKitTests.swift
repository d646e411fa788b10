import Foundation
import Testing

/// The alert rules and the dashboard in `Config/monitoring` speak of metrics the server has: each name they use is
/// one the code defines, or one of Hummingbird's request metrics. (promtool checks their syntax and the alerts' cases:
/// `scripts/check-monitoring.sh`.)
@Suite("Operations kit: alert rules and dashboard")
struct MonitoringKitTests {
    /// Request metrics from Hummingbird's `MetricsMiddleware`, and Prometheus's own `up`.
    static let external: Set<String> = ["hb_requests", "hb_request_errors", "http_server_request_duration", "http_server_active_requests", "up"]

    /// Metric names in `text`: ours (`chamber_…`) and the external ones, without histogram suffixes.
    static func metricNames(in text: String) throws -> Set<String> {
        let pattern = try Regex(#"\b(chamber_[a-z_]+|hb_[a-z_]+|http_server_[a-z_]+|up)\{"#)
        return Set(
            text.matches(of: pattern).map { match in
                var name = String(text[match.range].dropLast())
                for suffix in ["_bucket", "_count", "_sum"] where name.hasSuffix(suffix) { name = String(name.dropLast(suffix.count)) }
                return name
            })
    }

    /// Every metric label the server's code defines (`Counter(label: "chamber_…")` and the like).
    static func definedNames() throws -> Set<String> {
        let sources = ConfigurationTests.packageRoot.appendingPathComponent("Sources")
        let pattern = try Regex(#"label: "(chamber_[a-z_]+)""#)
        var names: Set<String> = []
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift" else { continue }
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: pattern) { names.insert(String(text[match.range].dropFirst(#"label: ""#.count).dropLast())) }
        }
        return names
    }

    @Test("every metric the alert rules and the dashboard use is one the server has", arguments: ["alerts.yml", "grafana-dashboard.json"])
    func knownMetrics(_ file: String) throws {
        let text = try String(
            contentsOf: ConfigurationTests.packageRoot.appendingPathComponent("Config/monitoring/\(file)"), encoding: .utf8)
        let used = try Self.metricNames(in: text)
        let defined = try Self.definedNames()
        #expect(used.count >= 5, "\(used)")
        #expect(defined.count >= 15, "\(defined)")
        #expect(used.subtracting(defined).subtracting(Self.external).isEmpty, "unknown: \(used.subtracting(defined).subtracting(Self.external))")
    }
}
