import Foundation

/// moto's S3 server (PyPI `moto[server]`, which `scripts/test.sh` installs) on a free loopback port, with request
/// signing enforced: it checks every request's SigV4 signature against an IAM user it made for the test, and refuses
/// a wrong one with `SignatureDoesNotMatch`. Killed when released.
public final class S3TestServer: @unchecked Sendable {
    // @unchecked: `process` is only touched by the test that owns the server.
    public let port: Int
    public let accessKeyID: String
    public let secretAccessKey: String
    private let process = Process()
    private let folder: URL

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// The requests moto answers before it asks for signatures: creating the IAM user, its key and its policy.
    private static let setUpCalls = 3

    private static let setUp = """
        import boto3, json, sys
        iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="setup", aws_secret_access_key="setup")
        iam.create_user(UserName="chamberconnect")
        key = iam.create_access_key(UserName="chamberconnect")["AccessKey"]
        iam.put_user_policy(UserName="chamberconnect", PolicyName="files", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        print(key["AccessKeyId"], key["SecretAccessKey"])
        """

    public init() throws {
        port = try freeLoopbackPort()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("chamber-s3-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let python = ProcessInfo.processInfo.environment["CHAMBER_TEST_PYTHON"] ?? "python3"
        let log = folder.appendingPathComponent("moto.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["INITIAL_NO_AUTH_ACTION_COUNT=\(Self.setUpCalls)", python, "-m", "moto.server", "-H", "127.0.0.1", "-p", "\(port)"]
        // Files, not the test runner's pipes: a server left behind would hold them open, and `swift test` waits for them.
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        var started = false
        for _ in 0..<600 where process.isRunning {
            if canConnect(port: port) {
                started = true
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        guard started else {
            Self.kill(process)
            throw TestBackendError(
                "moto's S3 server did not start (install it with `pip install 'moto[server]'`, or set CHAMBER_TEST_PYTHON to a Python that has it): "
                    + ((try? String(contentsOf: log, encoding: .utf8)) ?? "").suffix(2_000))
        }
        let credentials: String
        do {
            credentials = try Self.run(python, script: Self.setUp, argument: "http://127.0.0.1:\(port)", in: folder)
        } catch {
            Self.kill(process)
            throw error
        }
        let parts = credentials.split(separator: " ").map(String.init)
        guard parts.count == 2 else {
            Self.kill(process)
            throw TestBackendError("moto gave no access key: \(credentials.prefix(500))")
        }
        (accessKeyID, secretAccessKey) = (parts[0], parts[1])
    }

    deinit {
        Self.kill(process)
        try? FileManager.default.removeItem(at: folder)
    }

    private static func kill(_ process: Process) {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    private static func run(_ python: String, script: String, argument: String, in folder: URL) throws -> String {
        let file = folder.appendingPathComponent("set-up.py")
        try script.write(to: file, atomically: true, encoding: .utf8)
        let output = folder.appendingPathComponent("set-up.out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, file.path, argument]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: output)
        try process.run()
        process.waitUntilExit()
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else { throw TestBackendError("setting up moto failed: \(text.suffix(2_000))") }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
