import AloftCore
import AloftLLM
import AloftStore
import AloftTestSupport
import Foundation
import Logging
import Testing

@testable import AloftEngine

@Suite("Run event log")
struct RunEventLogTests {
    @Test("a finished run's events come back from the store, identical, in a process that never saw them")
    func eventsOutliveTheProcess() async throws {
        let path = temporaryDatabasePath()
        let agent = scriptedAgent([
            ScriptedReply(toolCalls: [.init(name: "echo", arguments: ["text": "x"])]),
            ScriptedReply(text: (1...40).map { "word\($0)" }.joined(separator: " "), chunkDelayMilliseconds: 2),
        ])
        let (runId, live) = try await withEngine(store: try SQLiteStore(path: path), configuration: testConfiguration(log: ToolCallLog())) { engine in
            let run = try await engine.start(StartRunRequest(agent: agent, input: "talk"))
            return (run.id, try await collect(try await engine.events(runId: run.id)))
        }
        #expect(live.last?.kind == .runCompleted)
        #expect(live.map(\.seq) == Array(1...live.count), "one process, no crash: numbers without gaps")
        #expect(live.filter { $0.kind == .runContent }.count == 40)

        let store = try SQLiteStore(path: path)
        try await withEngine(store: store, configuration: testConfiguration(log: ToolCallLog())) { engine in
            let replayed = try await collect(try await engine.events(runId: runId))
            #expect(replayed == live)
            // From the middle of a saved window of deltas: exactly the rest.
            let middle = live.filter { $0.kind == .runContent }[17].seq
            let rest = try await collect(try await engine.events(runId: runId, after: middle))
            #expect(rest == Array(live.drop { $0.seq <= middle }))
            #expect(try await collect(try await engine.events(runId: runId, after: live.last!.seq)).isEmpty)
            let run = try #require(try await store.run(id: runId))
            #expect(assembledText(replayed)[2] == run.output)
            #expect(run.eventSeq == live.last?.seq)
        }
    }

    @Test("an answer that breaks off after some text is asked again; clients are told to drop the broken text")
    func retryAfterPartialText() async throws {
        let broken = FakeModelServer.Reply.raw(
            contentType: "text/event-stream",
            chunks: [#"data: {"choices":[{"index":0,"delta":{"content":"The ans"}}]}"# + "\n\n", #"data: {"choices":[{"index":0,"delta":{"content":"wer is"}}]}"# + "\n\n"]
        )
        let server = FakeModelServer(replies: [broken, .text("Forty-two, said again.")])
        try await server.run { baseURL in
            let store = try SQLiteStore(path: temporaryDatabasePath())
            let agent = AgentDefinition(
                name: "remote", instructions: "Be kind.", model: ModelSettings(provider: .openai, name: "m", baseURL: baseURL),
                policies: AgentPolicies(modelRetry: RetryPolicy(maxAttempts: 3, initialBackoffSeconds: 0.01, maxBackoffSeconds: 0.05))
            )
            try await withEngine(store: store, configuration: testConfiguration(log: ToolCallLog())) { engine in
                let run = try await engine.start(StartRunRequest(agent: agent, input: "question"))
                let events = try await collect(try await engine.events(runId: run.id))
                let finished = try await waitForPhase(store, runId: run.id, [.completed, .failed])
                #expect(finished.phase == .completed)
                #expect(finished.output == "Forty-two, said again.")
                let kinds = events.map(\.kind)
                let story = Comment(rawValue: events.map { "\($0.seq) \($0.kind.rawValue) \($0.data.jsonText())" }.joined(separator: "\n"))
                let reset = try #require(events.first { $0.kind == .runContentReset })
                #expect(reset.data["attempt"] == 2)
                #expect(kinds.firstIndex(of: .runContent)! < kinds.firstIndex(of: .runContentReset)!, story)
                #expect(events.filter { $0.kind == .runContent && $0.seq > reset.seq }.allSatisfy { $0.data["attempt"] == 2 }, story)
                #expect(assembledText(events)[1] == finished.output)
                #expect(Set(events.map(\.seq)).count == events.count)
                // The same story from the log.
                let stored = try await store.events(runId: run.id, after: 0)
                #expect(stored == events)
            }
        }
        #expect(server.requests.count == 2)
    }

    @Test("a run taken over after a crash numbers its events above anything the dead process could have sent")
    func numbersAfterACrash() async throws {
        let path = temporaryDatabasePath()
        let agent = scriptedAgent([ScriptedReply(text: (1...300).map { "w\($0)" }.joined(separator: " "), chunkDelayMilliseconds: 5)])
        let store = try SQLiteStore(path: path)
        // A process that dies mid-answer: its engine stops without recording the model step
        // (as if killed), after clients saw some deltas.
        let (runId, seen) = try await withEngine(store: store, configuration: testConfiguration(log: ToolCallLog())) { engine in
            let run = try await engine.start(StartRunRequest(agent: agent, input: "talk"))
            var events: [RunEvent] = []
            for try await event in try await engine.events(runId: run.id) {
                events.append(event)
                if events.count > 30 { break }
            }
            return (run.id, events)
        }
        let before = try #require(try await store.run(id: runId))
        #expect(before.phase == .running, "the model step was never recorded")
        let lastSeen = try #require(seen.last?.seq)

        // The next process resumes it.
        try await withEngine(store: try SQLiteStore(path: path), configuration: testConfiguration(log: ToolCallLog())) { engine in
            let rest = try await collect(try await engine.events(runId: runId, after: lastSeen))
            let all = seen + rest
            #expect(rest.last?.kind == .runCompleted)
            // What the dead process stored comes first; the new process numbers above its reach.
            let taken = try #require(rest.first { $0.seq > before.eventSeq })
            #expect(taken.seq > before.eventSeq + RunEventNumbering.unsavedLimit, "numbering jumped past the dead process's: \(taken.seq)")
            #expect(zip(all, all.dropFirst()).allSatisfy { $0.seq < $1.seq }, "numbers only rise")
            #expect(rest.first { $0.kind == .runContentReset } != nil)
            let run = try #require(try await store.run(id: runId))
            #expect(assembledText(all)[1] == run.output)
        }
    }

    @Test("a run started while the engine is still resuming is its own, not one taken over from a dead process")
    func startDuringResume() async throws {
        let store = try SQLiteStore(path: temporaryDatabasePath())
        var logger = Logger(label: "test-engine")
        logger.logLevel = .critical
        let engine = LocalEngine(store: store, configuration: testConfiguration(log: ToolCallLog()), logger: logger)
        // A request that arrives before the engine looked for unfinished runs (`aloft serve`
        // answers while it resumes): the resume must leave that run alone.
        let run = try await engine.start(StartRunRequest(agent: scriptedAgent([ScriptedReply(text: "one two three")]), input: "hi"))
        try await engine.resumeUnfinished()
        // Counted now for the first time: the resume above did not count it as abandoned.
        #expect(try await store.countResumes()[run.id] == 1)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await engine.run() }
            let events = try await collect(try await engine.events(runId: run.id))
            #expect(events.map(\.seq) == Array(1...events.count), "no jump in numbers: \(events.map(\.seq))")
            #expect(!events.contains { $0.kind == .runContentReset })
            group.cancelAll()
        }
    }
}
