import Foundation

/// A process's CPU time and resident memory, read from Linux's /proc.
public struct ProcessUsage: Sendable, Equatable {
    /// User + system CPU seconds of the process (all its threads) and of its children that were waited for.
    public var cpuSeconds: Double
    public var residentBytes: Int

    public init(cpuSeconds: Double, residentBytes: Int) {
        self.cpuSeconds = cpuSeconds
        self.residentBytes = residentBytes
    }

    /// Reads `/proc/<pid>/stat` and `/proc/<pid>/status`; nil when the process is gone.
    public static func read(pid: Int32) -> ProcessUsage? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        else { return nil }
        return parse(stat: stat, status: status, ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))))
    }

    /// Parses the two files. In `stat` the command name (field 2) is in parentheses and may hold spaces, so fields
    /// are counted after the last ')': utime, stime, cutime, cstime are fields 14–17.
    public static func parse(stat: String, status: String, ticksPerSecond: Double) -> ProcessUsage? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field n is fields[n - 3].
        guard fields.count > 14, let utime = Double(fields[11]), let stime = Double(fields[12]),
            let cutime = Double(fields[13]), let cstime = Double(fields[14])
        else { return nil }
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kib = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Int($0) })
        else { return nil }
        return ProcessUsage(cpuSeconds: (utime + stime + cutime + cstime) / ticksPerSecond, residentBytes: kib * 1024)
    }
}
