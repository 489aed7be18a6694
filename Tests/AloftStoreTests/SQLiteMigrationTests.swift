import AloftCore
import Foundation
import GRDB
import Testing

@testable import AloftStore

@Suite("SQLite migrations")
struct SQLiteMigrationTests {
    @Test("a database written before integer keys opens with every run, session, message, journal entry and event intact")
    func integerKeys() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aloft-migrate-\(UUID().uuidString).db").path
        let entries: [JournalEntry] = [
            .started(RunStart(runId: "run_old", sessionId: "ses_old", agent: "helper", agentVersion: "v1", context: [.system("Help."), .user("hello")])),
            .modelResponded(step: 1, response: ModelResponse(text: "hi there", usage: Usage(inputTokens: 4, outputTokens: 2))),
            .finished(.completed(answer: "hi there")),
        ]
        do {
            // The schema as the previous release left it, with its rows written the way it wrote them.
            let queue = try DatabaseQueue(path: path)
            try SQLiteMigrations.migrator.migrate(queue, upTo: "v7-prune-scopes")
            let encoder = JSONEncoder()
            try await queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO sessions (id, agent, title, active_run_id, created_at, updated_at) VALUES
                            ('ses_old', 'helper', 'hello', NULL, 100, 101), ('ses_open', 'helper', 'wait', 'run_open', 102, 102);
                        INSERT INTO runs (id, session_id, agent, agent_version, phase, input, output, iterations, event_seq, message_base,
                                          created_at, updated_at, finished_at) VALUES
                            ('run_old', 'ses_old', 'helper', 'v1', 'completed', 'hello', 'hi there', 1, 4, 0, 100, 101, 101),
                            ('run_open', 'ses_open', 'helper', 'v1', 'waiting_for_approval', 'wait', NULL, 1, 2, 0, 102, 102, NULL);
                        INSERT INTO messages (session_id, run_id, position, role, content, created_at, completed_at) VALUES
                            ('ses_old', 'run_old', 0, 'user', 'hello', 100, 100), ('ses_old', 'run_old', 1, 'assistant', 'hi there', 101, 101),
                            ('ses_open', 'run_open', 0, 'user', 'wait', 102, 102);
                        INSERT INTO run_events (run_id, seq, kind, data) VALUES
                            ('run_old', 1, 'run_started', '{"agent":"helper"}'),
                            ('run_old', 3, 'run_content', '{"attempt":1,"deltas":["hi ","there"],"step":1}'),
                            ('run_old', 4, 'run_completed', '{"answer":"hi there"}');
                        INSERT INTO pending_approvals (run_id, call_id, tool_name, arguments, requested_at) VALUES
                            ('run_open', 'c1', 'delete_file', '{}', 102);
                        """
                )
                for (index, entry) in entries.enumerated() {
                    try db.execute(
                        sql: "INSERT INTO journal (run_id, seq, entry, recorded_at) VALUES ('run_old', ?, ?, 100)",
                        arguments: [index + 1, String(decoding: try encoder.encode(entry), as: UTF8.self)]
                    )
                }
            }
        }
        let store = try SQLiteStore(path: path)
        let run = try #require(try await store.run(id: "run_old"))
        #expect(run.sessionId == "ses_old" && run.phase == .completed && run.output == "hi there" && run.eventSeq == 4)
        #expect(try await store.journal(runId: "run_old") == entries)
        #expect(try await store.messages(runId: "run_old").map(\.content) == ["hello", "hi there"])
        #expect(try await store.messages(sessionId: "ses_old").map(\.runId) == ["run_old", "run_old"])
        #expect(try await store.events(runId: "run_old", after: 0).map(\.seq) == [1, 2, 3, 4], "deltas stored together still come back one by one")
        #expect(try await store.unfinishedRuns().map(\.id) == ["run_open"])
        #expect(try await store.pendingApprovals(runId: "run_open").map(\.call.id) == ["c1"])
        #expect(try await store.runCountsByPhase() == [.completed: 1, .waitingForApproval: 1])
        #expect(try await store.runs(RunQuery(sessionId: "ses_open")).map(\.id) == ["run_open"])
        #expect(try await store.nextMessagePosition(sessionId: "ses_old") == 2)
        // New steps go on after the migrated rows.
        var step = StepWrite(runId: "run_open")
        step.messages = [Message(sessionId: "ses_open", runId: "run_open", position: 1, role: .assistant, content: "ok", createdAt: Date(), completedAt: Date())]
        try await store.commit(step)
        #expect(try await store.messages(runId: "run_open").map(\.content) == ["wait", "ok"])
    }
}
