import AloftTestSupport
import AloftCore
import AloftStore
import Foundation
import Synchronization
import Testing

@testable import AloftEngine

/// Every statement the engine and the API run on the way of a run must find its rows through
/// an index: a `SCAN` of a table that grows with runs makes each run cost more as the
/// database fills (the cost per run must stay flat to millions of runs).
@Suite("Query plans")
struct QueryPlanTests {
    /// Tables whose size grows with the runs stored.
    static let growing: Set<String> = ["runs", "sessions", "messages", "journal", "pending_approvals", "timers", "agent_versions", "agents", "run_events", "session_metadata"]

    @Test("no statement of a run's life scans a table that grows with runs")
    func everyStatementUsesAnIndex() async throws {
        let seen = StatementLog()
        let store = try SQLiteStore(path: temporaryDatabasePath(), traceStatements: { seen.add($0) })
        seen.start()  // after the migrations, which run once
        try await Self.runLife(on: store)

        let statements = seen.statements.filter { sql in
            let verb = sql.trimmingCharacters(in: .whitespacesAndNewlines).prefix(6).uppercased()
            return ["SELECT", "INSERT", "UPDATE", "DELETE"].contains(verb) && !sql.contains("sqlite_master") && !sql.contains("grdb_migrations")
        }
        #expect(statements.count > 20, "the workload ran the engine's statements: \(statements.count)")
        var scans: [String] = []
        for sql in statements.sorted() {
            for step in try await store.queryPlan(of: sql) where step.hasPrefix("SCAN ") {
                let table = step.dropFirst(5).split(separator: " ").first.map(String.init) ?? ""
                // Walking an index in order is fine when the statement stops after a page.
                let pagedIndexWalk = step.contains(" USING ") && step.contains("INDEX") && sql.uppercased().contains("LIMIT")
                if Self.growing.contains(table), !pagedIndexWalk {
                    scans.append("\(step) ← \(sql.replacingOccurrences(of: "\n", with: " ").prefix(160))")
                }
            }
        }
        #expect(scans.isEmpty, "statements scanning a growing table:\n\(scans.joined(separator: "\n"))")
    }

    /// What a run's life asks of a store: runs with tools, a second turn, an approval given and
    /// one that times out, a stop, the API's listings and reads, deletes, resuming, pruning.
    static func runLife(on store: any LocalEngineStore) async throws {
        let log = ToolCallLog()
        let tools = scriptedAgent([ScriptedReply(toolCalls: [.init(name: "echo", arguments: ["text": "hi"])]), ScriptedReply(text: "done")])
        // Approved well before its deadline however slow the machine; the other one times out.
        let approval = scriptedAgent(
            [ScriptedReply(toolCalls: [.init(name: "delete_everything")]), ScriptedReply(text: "ok")], tools: ["delete_everything"],
            approval: ["delete_everything"], deadline: 600
        )
        let hurried = scriptedAgent(
            [ScriptedReply(toolCalls: [.init(name: "delete_everything")]), ScriptedReply(text: "ok")], tools: ["delete_everything"],
            approval: ["delete_everything"], deadline: 0.2
        )
        let slow = scriptedAgent([ScriptedReply(text: String(repeating: "word ", count: 200), chunkDelayMilliseconds: 5)])
        try await withEngine(store: store, configuration: testConfiguration(log: log)) { engine in
            let first = try await engine.start(StartRunRequest(agent: tools, input: "go"))
            _ = try await waitForPhase(store, runId: first.id, [.completed])
            let second = try await engine.start(StartRunRequest(agent: tools, input: "again", sessionId: first.sessionId))
            _ = try await waitForPhase(store, runId: second.id, [.completed])
            let approved = try await engine.start(StartRunRequest(agent: approval, input: "clean"))
            _ = try await waitForPhase(store, runId: approved.id, [.waitingForApproval])
            let call = try #require(try await store.pendingApprovals(runId: approved.id).first)
            try await engine.resolveApproval(runId: approved.id, decision: ApprovalDecision(callId: call.call.id, approved: true))
            _ = try await waitForPhase(store, runId: approved.id, [.completed])
            let timedOut = try await engine.start(StartRunRequest(agent: hurried, input: "clean later"))
            _ = try await waitForPhase(store, runId: timedOut.id, [.completed])
            let stopped = try await engine.start(StartRunRequest(agent: slow, input: "talk"))
            try await Task.sleep(for: .milliseconds(50))
            try await engine.cancel(runId: stopped.id)
            _ = try await waitForPhase(store, runId: stopped.id, [.cancelled])
            _ = try await store.runs(RunQuery(limit: 20))
            _ = try await store.runs(RunQuery(sessionId: first.sessionId, limit: 20))
            _ = try await store.runs(RunQuery(before: second.id, limit: 20))
            _ = try await store.sessions(SessionQuery(userId: "someone", limit: 20))
            _ = try await store.sessions(SessionQuery(agent: "tester", limit: 20))
            let labelled = try await engine.createSession(agent: tools, userId: nil, title: nil, metadata: ["team": "support", "tier": "gold"])
            _ = try await store.sessions(SessionQuery(metadata: ["team": "support"], limit: 20))
            _ = try await store.sessions(SessionQuery(metadata: ["team": "support", "tier": "gold"], limit: 20))
            try await engine.deleteSession(id: labelled.id)
            _ = try await store.journal(runId: second.id)
            _ = try await store.messages(runId: first.id)
            _ = try await store.messages(sessionId: first.sessionId, after: 0, limit: 50)
            _ = try await store.runCountsByPhase()
            _ = try await store.events(runId: first.id, after: 2, before: 5, limit: 1000)
            _ = try await store.events(runId: first.id, after: 0, before: nil, limit: 1000)
            try await store.ping()
            try await engine.deleteRun(id: stopped.id)
            try await engine.deleteSession(id: first.sessionId)
        }
        try await LocalEngine(store: store, configuration: testConfiguration(log: log), logger: .init(label: "quiet")).resumeUnfinished()
        _ = try await store.prune(finishedBefore: Date().addingTimeInterval(3600), scope: .journal, batch: 1)
        _ = try await store.prune(finishedBefore: Date().addingTimeInterval(3600), scope: .journalAndEvents, batch: 1)
        _ = try await store.prune(finishedBefore: Date().addingTimeInterval(3600), scope: .wholeRuns, batch: 1)
    }

}

/// The distinct SQL statements a store ran.
final class StatementLog: Sendable {
    private let seen = Mutex((recording: false, statements: Set<String>()))
    func start() { seen.withLock { $0.recording = true } }
    func add(_ sql: String) { seen.withLock { if $0.recording { $0.statements.insert(sql) } } }
    var statements: Set<String> { seen.withLock { $0.statements } }
}

@Suite("Benchmark preload")
struct PreloadTests {
    @Test("preloading copies a finished run whole, counted by phase, and new runs still finish")
    func copies() async throws {
        let store = try SQLiteStore(path: temporaryDatabasePath())
        let agent = scriptedAgent([ScriptedReply(toolCalls: [.init(name: "echo", arguments: ["text": "hi"])]), ScriptedReply(text: "done")])
        try await withEngine(store: store, configuration: testConfiguration(log: ToolCallLog())) { engine in
            let original = try await engine.start(StartRunRequest(agent: agent, input: "go"))
            _ = try await waitForPhase(store, runId: original.id, [.completed])
            try await store.preload(copiesOf: original.id, count: 2_500, batch: 1_000)
            #expect(try await store.runCountsByPhase()[.completed] == 2_501)
            let copy = try #require(try await store.run(id: "run_pre_1234"))
            #expect(copy.output == "done" && copy.phase == .completed)
            #expect(try await store.messages(runId: copy.id).count == (try await store.messages(runId: original.id)).count)
            // A copy's journal is the original's, read as its own run (its start names its ids).
            var copied = try await store.journal(runId: copy.id)
            if case .started(var start) = copied.first {
                #expect(start.runId == copy.id && start.sessionId == copy.sessionId)
                (start.runId, start.sessionId) = (original.id, original.sessionId)
                copied[0] = .started(start)
            }
            #expect(copied == (try await store.journal(runId: original.id)))
            #expect(try await store.runs(RunQuery(limit: 1)).first?.id == original.id, "copies are older than every real run")
            let next = try await engine.start(StartRunRequest(agent: agent, input: "again"))
            #expect(try await waitForPhase(store, runId: next.id, [.completed]).output == "done")
        }
    }
}

@Suite("Retention")
struct RetentionTests {
    @Test("pruning deletes runs finished before the cutoff with their sessions and messages, in batches; newer and unfinished runs stay")
    func prune() async throws {
        let store = try SQLiteStore(path: temporaryDatabasePath())
        let agent = scriptedAgent([ScriptedReply(toolCalls: [.init(name: "echo", arguments: ["text": "hi"])]), ScriptedReply(text: "done")])
        let waiting = scriptedAgent(
            [ScriptedReply(toolCalls: [.init(name: "delete_everything")]), ScriptedReply(text: "ok")], tools: ["delete_everything"],
            approval: ["delete_everything"]
        )
        try await withEngine(store: store, configuration: testConfiguration(log: ToolCallLog())) { engine in
            let recent = try await engine.start(StartRunRequest(agent: agent, input: "go"))
            _ = try await waitForPhase(store, runId: recent.id, [.completed])
            let paused = try await engine.start(StartRunRequest(agent: waiting, input: "clean"))
            _ = try await waitForPhase(store, runId: paused.id, [.waitingForApproval])
            try await store.preload(copiesOf: recent.id, count: 1_200, batch: 500)  // finished about four months ago
            let deleted = try await store.prune(finishedBefore: Date().addingTimeInterval(-86_400), batch: 500)
            #expect(deleted == 1_200)
            #expect(try await store.run(id: "run_pre_7") == nil)
            #expect(try await store.session(id: "ses_pre_7") == nil, "a session left without runs goes too")
            #expect(try await store.messages(sessionId: "ses_pre_7").isEmpty)
            #expect(try await store.journal(runId: "run_pre_7").isEmpty)
            #expect(try await store.run(id: recent.id)?.phase == .completed, "a newer run stays")
            #expect(try await store.run(id: paused.id)?.phase == .waitingForApproval, "an unfinished run stays, whatever its age")
            #expect(try await store.runCountsByPhase()[.completed] == 1)
            #expect(try await store.prune(finishedBefore: Date().addingTimeInterval(-86_400)) == 0)
            #expect(try await store.prune(finishedBefore: Date().addingTimeInterval(60)) == 1)
            #expect(try await store.session(id: recent.sessionId) == nil)
        }
    }
}
