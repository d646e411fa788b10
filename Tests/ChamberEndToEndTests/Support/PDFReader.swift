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
        let json = try await PythonReader.run(script, on: bytes) as? [String: Any] ?? [:]
        return Read(pages: json["pages"] as? Int ?? 0, text: json["text"] as? String ?? "", error: json["error"] as? String)
    }
}
