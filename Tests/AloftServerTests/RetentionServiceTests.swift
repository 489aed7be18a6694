import AloftCore
import AloftServer
import AloftStore
import Logging
import Synchronization
import Testing

@Suite("Retention service")
struct RetentionServiceTests {
    @Test("prunes old finished runs when it starts, then waits for its next round")
    func prunesAtStart() async throws {
        try await TestServer().run { client, engine in
            let id = try #require(try await client.send(.post, "/v1/runs", json: #"{"agent":"scripted","input":"hi"}"#).json["id"]?.stringValue)
            _ = try await client.waitForRun(id, ["completed"])
            try await engine.store.preload(copiesOf: id, count: 300)
            let pruned = PrunedCount()
            let service = RetentionService(store: engine.store, days: 1, logger: Logger(label: "test")) { pruned.set($0) }
            let task = Task { try await service.run() }
            for _ in 0..<500 where pruned.value == 0 { try await Task.sleep(for: .milliseconds(10)) }
            task.cancel()
            try await task.value
            #expect(pruned.value == 300)
            #expect(try await client.send(.get, "/v1/runs/\(id)").status == .ok, "the new run stays")
            #expect(try await engine.store.runCountsByPhase()[.completed] == 1)
        }
    }
}

private final class PrunedCount: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func set(_ value: Int) { count.withLock { $0 = value } }
}
