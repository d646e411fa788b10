import ChamberFuzzing
import Foundation
import Testing

/// Every input kept in `Fuzz/corpus/` (the seeds, and what fuzzing found and was fixed) through its target's check:
/// a failure found once is a regression test for good.
@Suite("Fuzz corpus replayed")
struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/corpus")

    @Test("each target's corpus passes its check", arguments: ["frames", "moderation", "rules", "redis", "sql", "configuration"])
    func replay(_ target: String) async throws {
        let body = try #require(FuzzBodies.all[target])
        let folder = Self.corpus.appendingPathComponent(target).path
        // On a thread of its own: a body may wait for async work (the configuration loader), which must not wait
        // for the very pool thread the test would otherwise block.
        let inputs = try await withCheckedThrowingContinuation { (done: CheckedContinuation<Int, any Error>) in
            Thread {
                done.resume(with: Result { try FuzzReplay.run(body, files: [folder]) })
            }.start()
        }
        #expect(inputs >= 5, "the \(target) corpus holds its seeds")
    }

    @Test("every target has a corpus, and every corpus a target")
    func folders() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).filter { !$0.hasPrefix(".") }
        #expect(Set(folders) == Set(FuzzBodies.all.keys))
    }
}
