import Foundation
import Testing

@testable import AloftFuzzing

/// The fuzz corpus as a regression suite: every input libFuzzer kept (and every one that once
/// crashed the process) goes through its parser again on every test run.
@Suite("Fuzz corpus")
struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/Corpus")

    @Test("every corpus input is handled without a crash or a broken property", arguments: FuzzTarget.allCases)
    func replay(target: FuzzTarget) throws {
        let folder = Self.corpus.appendingPathComponent(target.rawValue)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(!files.isEmpty, "the \(target.rawValue) corpus has seeds")
        for file in files {
            let data = try #require(FileManager.default.contents(atPath: folder.appendingPathComponent(file).path))
            target.run(Array(data))
        }
    }

    @Test("the seeds exercise what they are there for")
    func seedsParse() throws {
        let stream = try String(contentsOf: Self.corpus.appendingPathComponent("openai-stream/tools"), encoding: .utf8)
        #expect(stream.contains("[DONE]"))
        FuzzTarget.json.run(Array(#"{"a":"\ud800"}"#.utf8))
        FuzzTarget.sse.run([3] + Array("data: a\r\n\r\ndata: b\n\n".utf8))
    }
}
