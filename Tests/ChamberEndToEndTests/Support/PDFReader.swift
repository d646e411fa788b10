import Foundation

/// Reads a PDF with Python's `pypdf` (PyPI), a reader written from the PDF specification by others: its pages and
/// their text, or why it could not. Needs `CHAMBER_TEST_PYTHON` (or `python3`) with `pypdf` installed.
enum PDFReader {
    struct Read: Sendable {
        let pages: Int
        let text: String
        let error: String?
    }

    static let script = """
        import json, sys
        try:
            from pypdf import PdfReader
            reader = PdfReader(sys.argv[1], strict=True)
            text = "\\n".join(page.extract_text() for page in reader.pages)
            json.dump({'pages': len(reader.pages), 'text': text, 'error': None}, open(sys.argv[2], 'w'))
        except Exception as error:
            json.dump({'pages': 0, 'text': '', 'error': repr(error)}, open(sys.argv[2], 'w'))
        """

    static func read(_ bytes: Data) async throws -> Read {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pdf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (input, output, code) = (
            folder.appendingPathComponent("in.pdf"), folder.appendingPathComponent("out.json"), folder.appendingPathComponent("read.py")
        )
        try bytes.write(to: input)
        try script.write(to: code, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [ProcessInfo.processInfo.environment["CHAMBER_TEST_PYTHON"] ?? "python3", code.path, input.path, output.path]
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Polled rather than waited on: no thread of the test pool blocks on the child.
        for _ in 0..<600 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        let json = try JSONSerialization.jsonObject(with: try Data(contentsOf: output)) as? [String: Any] ?? [:]
        return Read(pages: json["pages"] as? Int ?? 0, text: json["text"] as? String ?? "", error: json["error"] as? String)
    }
}
