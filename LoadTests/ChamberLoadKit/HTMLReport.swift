import Foundation

/// A self-contained HTML page for a run: the summary, the delivery latency by percentile, and throughput over
/// time, drawn as inline SVG (no scripts, no external files).
public enum HTMLReport {
    public static func render(_ result: RunResult) -> String {
        // The summary's lines are "label  value", the label padded with spaces.
        let rows = result.summary.split(separator: "\n").map { line -> String in
            let split = line.range(of: "  ").map {
                (String(line[..<$0.lowerBound]), String(line[$0.upperBound...]).trimmingCharacters(in: .whitespaces))
            }
            let (key, value) = split ?? (String(line), "")
            return "<tr><th>\(escape(key))</th><td>\(escape(value))</td></tr>"
        }.joined(separator: "\n")
        let verdict =
            result.intact
            ? "<p class=ok>0 lost, 0 gaps.</p>"
            : "<p class=bad>\(result.lost) lost, \(result.gaps) gaps, \(result.recoveryIncomplete) incomplete recoveries.</p>"
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <title>chamber-load: \(escape(result.scenario.name))</title>
            <style>
            body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:60em}
            table{border-collapse:collapse}th,td{text-align:left;padding:.2em .8em;border-bottom:1px solid #ddd;vertical-align:top}
            th{font-weight:600;white-space:nowrap}.ok{color:#186a3b}.bad{color:#b03a2e;font-weight:700}
            svg{background:#fafafa;border:1px solid #ddd;margin:.5em 0}
            </style></head><body>
            <h1>chamber-load: \(escape(result.scenario.name))</h1>
            <p>\(escape(result.scenario.description ?? "")) Started \(escape(ISO8601DateFormatter().string(from: result.startedAt))).</p>
            \(verdict)
            <table>
            \(rows)
            </table>
            <h2>Delivery latency by percentile</h2>
            \(percentilePlot(result.deliveryPercentiles))
            <h2>Throughput over time</h2>
            \(throughputPlot(delivered: result.timelineDelivered, sent: result.timelineSent))
            </body></html>
            """
    }

    static let width = 720.0, height = 300.0, left = 60.0, bottom = 40.0, top = 15.0, right = 20.0

    /// Latency against percentile on the usual "nines" axis: x = log10(1 / (1 - p)), so 90, 99, 99.9 are evenly spaced.
    static func percentilePlot(_ points: [[Double]]) -> String {
        guard !points.isEmpty else { return "<p>No deliveries.</p>" }
        let maxX = 5.0
        func x(_ percentile: Double) -> Double {
            let nines = percentile >= 100 ? maxX : min(maxX, log10(1 / (1 - percentile / 100)))
            return left + nines / maxX * (width - left - right)
        }
        let maxY = niceCeiling(points.map { $0[1] }.max() ?? 1)
        func y(_ ms: Double) -> Double { height - bottom - ms / maxY * (height - bottom - top) }
        let line = points.map { String(format: "%.1f,%.1f", x($0[0]), y($0[1])) }.joined(separator: " ")
        let xTicks = [(50.0, "50%"), (90, "90%"), (99, "99%"), (99.9, "99.9%"), (99.99, "99.99%"), (100, "max")].map { p, label in
            String(
                format: "<line x1='%.1f' x2='%.1f' y1='%.1f' y2='%.1f' stroke='#ccc'/><text x='%.1f' y='%.1f' text-anchor='middle'>%@</text>",
                x(p), x(p), top, height - bottom, x(p), height - bottom + 16, label)
        }.joined()
        return svg(
            xTicks + yTicks(maxY, unit: "ms", y: y) + "<polyline fill='none' stroke='#1f5aa6' stroke-width='2' points='\(line)'/>"
                + points.map {
                    String(
                        format: "<circle cx='%.1f' cy='%.1f' r='3' fill='#1f5aa6'><title>p%g: %.2f ms</title></circle>", x($0[0]), y($0[1]), $0[0],
                        $0[1])
                }.joined())
    }

    static func throughputPlot(delivered: [Int], sent: [Int]) -> String {
        guard !delivered.isEmpty else { return "<p>No traffic.</p>" }
        let maxY = niceCeiling(Double(max(delivered.max() ?? 1, sent.max() ?? 1)))
        let span = Double(max(delivered.count - 1, 1))
        func x(_ second: Int) -> Double { left + Double(second) / span * (width - left - right) }
        func y(_ value: Double) -> Double { height - bottom - value / maxY * (height - bottom - top) }
        func line(_ values: [Int], _ color: String) -> String {
            "<polyline fill='none' stroke='\(color)' stroke-width='2' points='"
                + values.enumerated().map { String(format: "%.1f,%.1f", x($0.offset), y(Double($0.element))) }.joined(separator: " ") + "'/>"
        }
        let step = max(1, delivered.count / 10)
        let xTicks = stride(from: 0, to: delivered.count, by: step).map {
            String(format: "<text x='%.1f' y='%.1f' text-anchor='middle'>%ds</text>", x($0), height - bottom + 16, $0)
        }.joined()
        let legend = String(
            format: "<text x='%.1f' y='%.1f' fill='#1f5aa6'>delivered/s</text><text x='%.1f' y='%.1f' fill='#c0392b'>sent/s</text>",
            left + 10, top + 12, left + 110, top + 12)
        return svg(xTicks + yTicks(maxY, unit: "/s", y: y) + line(delivered, "#1f5aa6") + line(sent, "#c0392b") + legend)
    }

    static func yTicks(_ maxY: Double, unit: String, y: (Double) -> Double) -> String {
        (0...4).map { index -> String in
            let value = maxY * Double(index) / 4
            return String(
                format: "<line x1='%.1f' x2='%.1f' y1='%.1f' y2='%.1f' stroke='#e3e3e3'/><text x='%.1f' y='%.1f' text-anchor='end'>%@</text>",
                left, width - right, y(value), y(value), left - 6, y(value) + 4, label(value) + (index == 4 ? " " + unit : ""))
        }.joined()
    }

    static func svg(_ body: String) -> String {
        String(format: "<svg xmlns='http://www.w3.org/2000/svg' width='%.0f' height='%.0f' font-size='11'>", width, height) + body + "</svg>"
    }

    static func label(_ value: Double) -> String {
        value >= 10_000 ? String(format: "%.0fk", value / 1000) : value >= 10 ? String(format: "%.0f", value) : String(format: "%.2g", value)
    }

    /// 1, 2 or 5 times a power of ten, at least `value`.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let power = pow(10, floor(log10(value)))
        for factor in [1.0, 2, 5, 10] where factor * power >= value { return factor * power }
        return 10 * power
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
