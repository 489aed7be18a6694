import Testing

@testable import AloftServer

@Suite("Finished-run cache")
struct FinishedRunCacheTests {
    @Test("bounded in bytes as well as entries: long answers do not pile up")
    func bytesBounded() {
        let cache = FinishedRunCache(capacity: 10_000, maxBytes: 1 << 20)
        let answer = String(repeating: "x", count: 50_000)
        for index in 0..<1_000 { cache.store(runId: "run_\(index)", sessionId: "s", json: answer) }
        #expect(cache.bytes <= 1 << 20)
        #expect(cache.json(runId: "run_999") != nil, "the newest are kept")
        #expect(cache.json(runId: "run_0") == nil, "the oldest went first")
        cache.forget(sessionId: "s")
        #expect(cache.bytes == 0)
    }
}
