import Foundation

/// A throw-away `redis-server` on a free loopback port, for one test: started, stopped and started again on the
/// same port (an outage), and killed at the end. Needs Debian's redis-server (`scripts/test.sh` installs it).
public final class RedisTestServer: @unchecked Sendable {
    // @unchecked: `process` is only touched by the test that owns the server, one call at a time.
    public let port: Int
    private var process: Process?
    private let folder: URL

    public var url: String { "redis://127.0.0.1:\(port)" }

    public init() throws {
        port = try freeLoopbackPort()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("chamber-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try start()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// Starts the server (again) and waits until it answers.
    public func start() throws {
        guard process == nil else { return }
        let binary = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let binary else { throw TestBackendError("redis-server is not installed: run the tests with ./scripts/test.sh, which installs it") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder.path,
            "--logfile", folder.appendingPathComponent("redis.log").path,
        ]
        // Not the test runner's pipes: a server left behind would hold them open, and `swift test` waits for them.
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        for _ in 0..<200 {
            if canConnect(port: port) { return }
            Thread.sleep(forTimeInterval: 0.025)
        }
        throw TestBackendError("redis-server did not start on port \(port)")
    }

    /// Stops the server at once (SIGKILL): connections break as they do when Redis crashes.
    public func stop() {
        guard let process else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on now.
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw TestBackendError("no free port on 127.0.0.1") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
public func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}
