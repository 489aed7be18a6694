import Foundation
import Testing

@testable import AloftFuzzing

/// The fuzz corpus as a regression suite: every input libFuzzer kept (and every one that once
/// crashed the process) goes through its parser again on every test run.
@Suite("Fuzz corpus")
struct FuzzCorpusTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz")

    @Test("every seed and corpus input is handled without a crash or a broken property", arguments: FuzzTarget.allCases)
    func replay(target: FuzzTarget) throws {
        let seeds = Self.fuzz.appendingPathComponent("Seeds/\(target.rawValue)")
        let corpus = Self.fuzz.appendingPathComponent("Corpus/\(target.rawValue)")
        let seedFiles = try FileManager.default.contentsOfDirectory(atPath: seeds.path).map { seeds.appendingPathComponent($0).path }
        #expect(!seedFiles.isEmpty, "the \(target.rawValue) target has seeds")
        let corpusFiles = ((try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []).map { corpus.appendingPathComponent($0).path }
        for path in (seedFiles + corpusFiles).sorted() {
            let data = try #require(FileManager.default.contents(atPath: path))
            target.run(Array(data))
        }
    }

    @Test("the seeds exercise what they are there for")
    func seedsParse() throws {
        let stream = try String(contentsOf: Self.fuzz.appendingPathComponent("Seeds/openai-stream/tools"), encoding: .utf8)
        #expect(stream.contains("[DONE]"))
        FuzzTarget.json.run(Array(#"{"a":"\ud800"}"#.utf8))
        FuzzTarget.sse.run([3] + Array("data: a\r\n\r\ndata: b\n\n".utf8))
    }
}
