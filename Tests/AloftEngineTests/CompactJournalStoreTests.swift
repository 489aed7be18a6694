import AloftTestSupport
import AloftCore
import AloftEngine
import AloftLLM
import AloftStore
import Testing

@Suite("The journal stays compact")
struct CompactJournalStoreTests {
    @Test("turn 50 of a session adds about as many journal bytes as turn 1, and its journal still shows the whole context")
    func flatJournal() async throws {
        let store = try SQLiteStore(path: temporaryDatabasePath())
        let agent = scriptedAgent([
            ScriptedReply(toolCalls: [.init(name: "echo", arguments: ["text": "a note to remember"])]),
            ScriptedReply(text: "Noted, and here is a longer answer that every later turn carries in its history."),
        ])
        let window = agent.memory.historyWindow
        try await withEngine(store: store, configuration: testConfiguration(log: ToolCallLog())) { engine in
            var runs: [Run] = []
            var sessionId: String?
            for turn in 1...50 {
                let run = try await engine.start(StartRunRequest(agent: agent, input: "Turn \(turn): remember this.", sessionId: sessionId))
                sessionId = run.sessionId
                runs.append(try await waitForPhase(store, runId: run.id, [.completed]))
            }
            let first = try await store.journalBytes(runId: runs[0].id)
            let last = try await store.journalBytes(runId: runs[49].id)
            // Positions and turn numbers gain a digit or two; the conversation itself is not copied.
            #expect(first > 0 && last <= first + 24, "turn 1: \(first) bytes, turn 50: \(last) bytes")

            let journal = try await store.journal(runId: runs[49].id)
            guard case .started(let start) = journal.first else { Issue.record("the journal starts with the start"); return }
            let history = try await store.messages(sessionId: runs[49].sessionId).filter { $0.position < runs[49].messageBase }.suffix(window)
            let expected = ConversationContext.build(
                instructions: agent.instructions, summary: nil, history: history.map(\.chatMessage), input: "Turn 50: remember this."
            )
            #expect(start.context == expected && start.context.count > window / 2)
            #expect(journal.count == 5)
            guard case .finished(.completed(let answer)) = journal.last else { Issue.record("the run completed"); return }
            #expect(answer == runs[49].output)
        }
    }
}
