import ChamberTestSupport
import Foundation

/// Runs a Python script of a test's on one input file and reads the JSON it writes: how tests read what the server
/// made (a PDF, a calendar, a ZIP archive) with libraries written by others. The script gets the input's path and
/// the output's as its two arguments. Uses `CHAMBER_TEST_PYTHON`, or `python3`.
enum PythonReader {
    static func run(_ script: String, on bytes: Data) async throws -> Any {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("python-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (input, output, code) = (
            folder.appendingPathComponent("input"), folder.appendingPathComponent("out.json"), folder.appendingPathComponent("read.py")
        )
        try bytes.write(to: input)
        try script.write(to: code, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [ProcessInfo.processInfo.environment["CHAMBER_TEST_PYTHON"] ?? "python3", code.path, input.path, output.path]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = folder.appendingPathComponent("stderr.log")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        // Polled rather than waited on: no thread of the test pool blocks on the child.
        for _ in 0..<600 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        guard process.terminationStatus == 0, let data = try? Data(contentsOf: output), let json = try? JSONSerialization.jsonObject(with: data)
        else {
            // Most often a package missing from the tests' Python (scripts/test.sh installs them).
            throw TestBackendError("the Python reader failed: " + ((try? String(contentsOf: errors, encoding: .utf8)) ?? ""))
        }
        return json
    }
}
