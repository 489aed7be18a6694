import AloftCore
import AloftServer
import AloftStore
import Foundation
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
            try await engine.sqlite.preload(copiesOf: id, count: 300)
            let pruned = PrunedCount()
            let service = RetentionService(store: engine.store, days: 1, scope: .wholeRuns, logger: Logger(label: "test")) { pruned.set($0) }
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

@Suite("Pruning scopes")
struct PruneScopeTests {
    @Test("pruning journals and events keeps the run and its answer; a stream asked for pruned events says resync")
    func journalAndEvents() async throws {
        try await TestServer().run { client, engine in
            let fresh = try #require(try await client.send(.post, "/v1/runs", json: #"{"agent":"scripted","input":"hi"}"#).json["id"]?.stringValue)
            let done = try await client.waitForRun(fresh, ["completed"])
            // An old run, as retention meets them: stored, in no memory of this process.
            try await engine.sqlite.preload(copiesOf: fresh, count: 1)
            let id = "run_pre_1"
            let before = serverSentEvents(String(buffer: try await client.send(.get, "/v1/runs/\(id)/events").body))
            #expect(before.contains { $0.event == "run_completed" })

            // Keeping events: the stream replays as before.
            #expect(try await engine.store.prune(finishedBefore: Date().addingTimeInterval(60), scope: .journal) == 2)
            #expect(try await engine.store.journal(runId: id).isEmpty)
            let replayed = serverSentEvents(String(buffer: try await client.send(.get, "/v1/runs/\(id)/events").body))
            #expect(replayed.map(\.id) == before.map(\.id))

            #expect(try await engine.store.prune(finishedBefore: Date().addingTimeInterval(60), scope: .journalAndEvents) == 2)
            #expect(try await engine.store.prune(finishedBefore: Date().addingTimeInterval(60), scope: .journalAndEvents) == 0, "once")
            let run = try await client.send(.get, "/v1/runs/\(id)").json
            #expect(run["output"] == done["output"])
            #expect(try await engine.store.messages(runId: id).count == 2)
            let events = serverSentEvents(String(buffer: try await client.send(.get, "/v1/runs/\(id)/events").body))
            #expect(events.map(\.event) == ["snapshot", "resync"], "an explicit answer, then the stream ends")
            #expect(events.last?.data["reason"] == "events_pruned")
            // A client that had everything is not told to resync.
            let last = try #require(before.last?.id)
            let caughtUp = serverSentEvents(String(buffer: try await client.send(.get, "/v1/runs/\(id)/events?after=\(last)").body))
            #expect(caughtUp.map(\.event) == ["snapshot"])

            #expect(try await engine.store.prune(finishedBefore: Date().addingTimeInterval(60), scope: .wholeRuns) == 2)
            #expect(try await engine.store.run(id: id) == nil)
        }
    }
}

private final class PrunedCount: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func set(_ value: Int) { count.withLock { $0 = value } }
}
