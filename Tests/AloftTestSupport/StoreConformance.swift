import AloftCore
import Foundation

/// What every store must do, written against the store ports only, so that each store
/// (SQLite now, PostgreSQL next) runs the very same checks:
///
/// ```swift
/// @Test(arguments: StoreConformance.checks)
/// func conformance(_ check: StoreConformance.Check) async throws { try await check.run(on: makeStore()) }
/// ```
///
/// A check throws `StoreConformance.Failure` naming what the store got wrong.
public enum StoreConformance {
    public typealias Store = any LocalEngineStore & AgentStore & RunWebhookStore & ExecutionStore

    public struct Check: Sendable, CustomStringConvertible {
        public let description: String
        let body: @Sendable (Store) async throws -> Void

        public func run(on store: Store) async throws { try await body(store) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    static func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw Failure(description: message()) }
    }

    public static let checks: [Check] = [
        Check(description: "a step commits run, session, journal, messages and events together; reads return them", body: commitsAndReads),
        Check(description: "a later turn's journal refers to the session and reads back whole, its context rebuilt", body: journalReferences),
        Check(description: "a session has one active run: a claim on a busy session is a conflict that writes nothing", body: sessionClaims),
        Check(description: "a journal number used twice is a conflict, and the step leaves nothing behind", body: conflictLeavesNothing),
        Check(description: "steps committed at the same time all land; a refused one among them fails alone", body: concurrentSteps),
        Check(description: "events come back as sent, from any number, deltas stored together included", body: eventsReadBack),
        Check(description: "runs are listed newest first, filtered, paged by cursor", body: listsRuns),
        Check(description: "approvals, timers and the inbox follow the steps that add and consume them", body: approvalsTimersInbox),
        Check(description: "unfinished runs are counted at each resume until a step is recorded", body: resumeCounts),
        Check(description: "pruning deletes what its scope says, once per run", body: pruning),
        Check(description: "agents are saved, listed and deleted", body: agents),
        Check(description: "a deleted run and a deleted session leave nothing behind", body: deletions),
        Check(description: "sessions keep their metadata and are listed by it, every label matching", body: sessionMetadata),
        Check(description: "event numbers reserved are given once, and a step written after does not lower the counter", body: reservations),
        Check(description: "a step's events numbered as it commits follow every number given, reserved ones included", body: numberedInCommit),
        Check(description: "webhooks are kept per run, replaced by id, marked delivered (never backwards) and deleted with their run", body: webhooks),
        Check(description: "execution records: a slug once per agent, given up by a record whose run never started, deleted with their run", body: executions),
        Check(description: "instances: one name per agent, read back whole, listed by agent; a session keeps the instance it was started in", body: instances),
    ]

    // MARK: Building steps

    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// A new run in a new session: its first step.
    public static func started(_ runId: String, session: String, at offset: Double = 0, agent: String = "tester") -> StepWrite {
        let time = start.addingTimeInterval(offset)
        var write = StepWrite(runId: runId)
        write.newSession = Session(id: session, agent: agent, title: "t", activeRunId: runId, createdAt: time, updatedAt: time)
        write.newRun = Run(
            id: runId, sessionId: session, agent: agent, agentVersion: "v1", phase: .running, input: "hi", eventSeq: 1,
            createdAt: time, updatedAt: time
        )
        write.agentVersion = ("v1", AgentDefinition(name: agent, instructions: "Test.", model: ModelSettings(provider: .scripted, name: "s")))
        write.entries = [(1, .started(RunStart(runId: runId, sessionId: session, agent: agent, agentVersion: "v1", context: [.user("hi")])))]
        write.messages = [Message(sessionId: session, runId: runId, position: 0, role: .user, content: "hi", createdAt: time, completedAt: time)]
        write.events = [RunEvent(runId: runId, seq: 1, kind: .runStarted, data: ["agent": .string(agent)])]
        return write
    }

    /// The run's answer and its end, as one step after `started`.
    public static func finished(_ run: Run, answer: String, deltas: [String]) -> StepWrite {
        var run = run
        var write = StepWrite(runId: run.id)
        let time = run.createdAt.addingTimeInterval(1)
        write.entries = [
            (2, .modelResponded(step: 1, response: ModelResponse(text: answer, toolCalls: [], usage: Usage(inputTokens: 3, outputTokens: 2)))),
            (3, .finished(.completed(answer: answer))),
        ]
        write.messages = [
            Message(sessionId: run.sessionId, runId: run.id, position: 1, role: .assistant, content: answer, createdAt: time, completedAt: time)
        ]
        var seq = 1
        write.events = deltas.map { delta in
            seq += 1
            let draft = RunEventDraft.content(delta, step: 1, attempt: 1)
            return RunEvent(runId: run.id, seq: seq, kind: draft.kind, data: draft.data)
        }
        write.events.append(RunEvent(runId: run.id, seq: seq + 1, kind: .runCompleted, data: ["answer": .string(answer)]))
        run.phase = .completed
        run.output = answer
        run.iterations = 1
        run.eventSeq = seq + 1
        run.updatedAt = time
        run.finishedAt = time
        write.run = run
        write.sessionActiveRun = (run.sessionId, nil)
        return write
    }

    static func completedRun(_ store: Store, _ runId: String, session: String, at offset: Double = 0) async throws -> Run {
        let first = started(runId, session: session, at: offset)
        try await store.commit(first)
        let run = try await store.run(id: runId)
        try expect(run != nil, "a committed run can be read")
        try await store.commit(finished(run!, answer: "Hello there.", deltas: ["Hel", "lo ", "there."]))
        return try await store.run(id: runId)!
    }

    // MARK: Checks

    static func reservations(_ store: Store) async throws {
        try await store.commit(started("run_res", session: "ses_res"))
        let ranges = try await withThrowingTaskGroup(of: ClosedRange<Int>.self) { group in
            for _ in 0..<8 { group.addTask { try await store.reserveEventNumbers(runId: "run_res", count: 5) } }
            return try await group.reduce(into: [ClosedRange<Int>]()) { $0.append($1) }
        }
        let numbers = ranges.flatMap { Array($0) }.sorted()
        try expect(numbers == Array(2...41), "8 reservations of 5 after event 1 take 2…41, each once: \(ranges)")
        // A step numbered from an older read of the counter (1) leaves it where the reservations put it.
        let run = try await store.run(id: "run_res")
        var stale = run!
        stale.eventSeq = 1
        var write = StepWrite(runId: "run_res")
        write.run = stale
        try await store.commit(write)
        try expect(try await store.run(id: "run_res")?.eventSeq == 41, "the counter never goes down")
        try expect(try await store.reserveEventNumbers(runId: "run_res", count: 1) == 42...42, "the next reservation follows")
        do {
            _ = try await store.reserveEventNumbers(runId: "run_none", count: 1)
            try expect(false, "a run that does not exist has no numbers")
        } catch let error as StoreError {
            try expect(error.code == .notFound, "\(error)")
        }
    }

    static func numberedInCommit(_ store: Store) async throws {
        try await store.commit(started("run_num", session: "ses_num"))
        // Steps numbered by the store while deltas take numbers of their own: every number once.
        let given = try await withThrowingTaskGroup(of: (numbers: [Int], committed: Bool).self) { group in
            for index in 0..<6 {
                group.addTask {
                    guard index % 2 == 0 else { return (Array(try await store.reserveEventNumbers(runId: "run_num", count: 3)), false) }
                    var write = StepWrite(runId: "run_num")
                    write.events = (0..<3).map { _ in RunEvent(runId: "run_num", seq: 0, kind: .runContent, data: ["delta": .string("\(index)")]) }
                    return (Array(try await store.commitNumberingEvents(write) ?? 0...0), true)
                }
            }
            return try await group.reduce(into: [(numbers: [Int], committed: Bool)]()) { $0.append($1) }
        }
        try expect(given.flatMap(\.numbers).sorted() == Array(2...19), "numbers 2…19 given once each: \(given)")
        let stored = try await store.events(runId: "run_num", after: 0)
        let committed = given.filter(\.committed).flatMap(\.numbers).sorted()
        try expect(stored.map(\.seq) == [1] + committed, "the start and the committed steps' events, as numbered: \(stored.map(\.seq))")
        // The run row written with an older count does not lower the counter, and no number is skipped.
        var write = StepWrite(runId: "run_num")
        write.run = try await store.run(id: "run_num")
        write.run?.eventSeq = 1
        write.events = [RunEvent(runId: "run_num", seq: 0, kind: .runCompleted, data: [:])]
        try expect(try await store.commitNumberingEvents(write) == 20...20, "the next number follows the last given")
        try expect(try await store.run(id: "run_num")?.eventSeq == 20, "the counter is at the last number")
        try expect(try await store.commitNumberingEvents(StepWrite(runId: "run_num")) == nil, "a step without events gets no numbers")
    }

    static func concurrentSteps(_ store: Store) async throws {
        try await store.commit(started("run_busy", session: "ses_busy"))
        let refused = try await withThrowingTaskGroup(of: String?.self) { group in
            for index in 0..<40 {
                group.addTask {
                    // Every tenth step claims the busy session (a new run in it), the rest start runs of their own.
                    var write = started("run_\(index)", session: index % 10 == 0 ? "ses_busy" : "ses_\(index)", at: Double(index))
                    if index % 10 == 0 {
                        write.newSession = nil
                        write.sessionActiveRun = ("ses_busy", "run_\(index)")
                        write.messages[0].position = 1 + index
                    }
                    do {
                        try await store.commit(write)
                        return nil
                    } catch let error as StoreError where error.code == .conflict {
                        return "run_\(index)"
                    }
                }
            }
            var refused: [String] = []
            for try await runId in group { if let runId { refused.append(runId) } }
            return refused.sorted()
        }
        try expect(refused == ["run_0", "run_10", "run_20", "run_30"], "exactly the claims on the busy session are refused, not their neighbours: \(refused)")
        for index in 0..<40 {
            let run = try await store.run(id: "run_\(index)")
            try expect((run == nil) == (index % 10 == 0), "run_\(index) is stored exactly when its step was accepted")
        }
        try expect(try await store.messages(sessionId: "ses_busy").count == 1, "refused steps wrote no message into the busy session")
    }

    static func sessionClaims(_ store: Store) async throws {
        try await store.commit(started("run_a", session: "ses_a"))
        let run = try await store.run(id: "run_a")!
        func claim(_ runId: String, at offset: Double) -> StepWrite {
            let time = start.addingTimeInterval(offset)
            var write = StepWrite(runId: runId)
            write.newRun = Run(
                id: runId, sessionId: "ses_a", agent: "tester", agentVersion: "v1", phase: .running, input: "next", eventSeq: 1, messageBase: 2,
                createdAt: time, updatedAt: time
            )
            write.sessionActiveRun = ("ses_a", runId)
            write.entries = [(1, .started(RunStart(runId: runId, sessionId: "ses_a", agent: "tester", agentVersion: "v1", context: [.user("next")])))]
            write.messages = [Message(sessionId: "ses_a", runId: runId, position: 2, role: .user, content: "next", createdAt: time, completedAt: time)]
            return write
        }
        do {
            try await store.commit(claim("run_b", at: 5))
            throw Failure(description: "a claim on a session whose run is in progress was accepted")
        } catch let error as StoreError {
            try expect(error.code == .conflict && error.message.contains("run_a"), "the conflict names the run in progress: \(error)")
        }
        try expect(try await store.run(id: "run_b") == nil, "the refused step wrote no run")
        try expect(try await store.messages(sessionId: "ses_a").count == 1, "the refused step wrote no message")
        // A run that finishes frees its session; a stale clear by another run frees nothing.
        try await store.commit(started("run_c", session: "ses_c", at: 1))
        var stale = StepWrite(runId: "run_c")
        stale.sessionActiveRun = ("ses_a", nil)
        try await store.commit(stale)
        try expect(try await store.session(id: "ses_a")?.activeRunId == "run_a", "only the run itself gives up its claim")
        try await store.commit(finished(run, answer: "done", deltas: []))
        try await store.commit(claim("run_b", at: 5))
        try expect(try await store.session(id: "ses_a")?.activeRunId == "run_b", "the next turn claims the freed session")
    }

    static func journalReferences(_ store: Store) async throws {
        let first = try await completedRun(store, "run_a", session: "ses_a")
        let time = first.createdAt.addingTimeInterval(10)
        let history = try await store.messages(sessionId: "ses_a")
        let context = ConversationContext.build(instructions: "Test.", summary: nil, history: history.map(\.chatMessage), input: "again")
        let call = ToolCall(id: "c1", name: "echo", arguments: #"{"text":"x"}"#)
        let entries: [JournalEntry] = [
            .started(RunStart(runId: "run_b", sessionId: "ses_a", agent: "tester", agentVersion: "v1", context: context, historyFrom: 0)),
            .modelResponded(step: 1, response: ModelResponse(text: "", toolCalls: [call], usage: Usage(inputTokens: 9, outputTokens: 1))),
            .toolCompleted(ToolResult(callId: "c1", name: "echo", content: "x", failure: .toolError)),
            .modelResponded(step: 2, response: ModelResponse(text: "Again.", usage: Usage(inputTokens: 12, outputTokens: 1))),
            .finished(.completed(answer: "Again.")),
        ]
        func message(_ position: Int, _ role: Role, _ content: String, calls: [ToolCall] = [], callId: String? = nil) -> Message {
            Message(
                sessionId: "ses_a", runId: "run_b", position: position, role: role, content: content, toolCalls: calls, toolCallId: callId,
                toolName: callId == nil ? nil : "echo", createdAt: time, completedAt: time
            )
        }
        var start = StepWrite(runId: "run_b")
        start.newRun = Run(
            id: "run_b", sessionId: "ses_a", agent: "tester", agentVersion: "v1", phase: .running, input: "again", eventSeq: 1, messageBase: 2,
            createdAt: time, updatedAt: time
        )
        start.sessionActiveRun = ("ses_a", "run_b")
        start.entries = [(1, entries[0])]
        start.messages = [message(2, .user, "again")]
        try await store.commit(start)
        var rest = StepWrite(runId: "run_b")
        let toolEvents = [
            RunEvent(runId: "run_b", seq: 2, kind: .toolCallStarted, data: ["tool_call": call.json]),
            RunEvent(runId: "run_b", seq: 3, kind: .toolCallCompleted, data: ["tool_call_id": "c1", "name": "echo", "content": "x", "is_error": true]),
        ]
        rest.events = toolEvents
        rest.eventSeq = 3
        rest.entries = [(2, entries[1]), (3, entries[2])]
        rest.messages = [message(3, .assistant, "", calls: [call]), message(4, .tool, "x", callId: "c1")]
        try await store.commit(rest)
        var end = StepWrite(runId: "run_b")
        end.entries = [(4, entries[3]), (5, entries[4])]
        end.messages = [message(5, .assistant, "Again.")]
        let completed = RunEvent(runId: "run_b", seq: 4, kind: .runCompleted, data: ["answer": "Again.", "iterations": 2])
        end.events = [completed]
        end.eventSeq = 4
        try await store.commit(end)
        let events = try await store.events(runId: "run_b", after: 1)
        try expect(events == toolEvents + [completed], "tool calls, results and answers read back as sent: \(events)")
        let journal = try await store.journal(runId: "run_b")
        try expect(journal == entries, "the journal reads back as recorded: \(journal)")
        try expect(try await store.journal(runId: "run_none").isEmpty, "a run that does not exist has no journal")
    }

    static func commitsAndReads(_ store: Store) async throws {
        let first = started("run_a", session: "ses_a")
        try await store.commit(first)
        let run = try await store.run(id: "run_a")
        try expect(run?.phase == .running && run?.eventSeq == 1, "the new run reads back as written: \(String(describing: run))")
        try expect(try await store.session(id: "ses_a")?.activeRunId == "run_a", "the session's active run is set with the run")
        try await store.commit(finished(run!, answer: "Hello there.", deltas: ["Hel", "lo ", "there."]))
        let done = try await store.run(id: "run_a")
        try expect(done?.phase == .completed && done?.output == "Hello there." && done?.eventSeq == 5, "the finished run: \(String(describing: done))")
        try expect(try await store.session(id: "ses_a")?.activeRunId == nil, "the session's active run is cleared at the end")
        let journal = try await store.journal(runId: "run_a")
        try expect(journal.count == 3, "three journal entries, not \(journal.count)")
        guard case .finished(.completed(let answer)) = journal.last, answer == "Hello there." else {
            throw Failure(description: "the journal ends with the run's end: \(String(describing: journal.last))")
        }
        let records = try await store.journalRecords(runId: "run_a")
        try expect(records.map(\.entry) == journal, "the timed journal holds the same entries")
        try expect(
            records.map(\.recordedAt) == [start, start.addingTimeInterval(1), start.addingTimeInterval(1)],
            "each entry has the time of the step that recorded it: \(records.map(\.recordedAt))"
        )
        let messages = try await store.messages(runId: "run_a")
        try expect(messages.map(\.content) == ["hi", "Hello there."], "messages in order: \(messages.map(\.content))")
        try expect(try await store.messages(sessionId: "ses_a", last: 1).map(\.content) == ["Hello there."], "the last message of the session")
        try expect(try await store.messages(sessionId: "ses_a", after: 0, limit: 10).map(\.position) == [1], "messages after a position")
        try expect(try await store.nextMessagePosition(sessionId: "ses_a") == 2, "the next position follows the last message")
        try expect(try await store.agentDefinition(version: "v1")?.name == "tester", "the agent version is stored with the run")
        try expect(try await store.runCountsByPhase()[.completed] == 1, "counts by phase")
        try await store.ping()
    }

    static func conflictLeavesNothing(_ store: Store) async throws {
        try await store.commit(started("run_c", session: "ses_c"))
        var again = StepWrite(runId: "run_c")
        again.entries = [(1, .cancelRequested(reason: "twice"))]
        again.messages = [Message(sessionId: "ses_c", runId: "run_c", position: 5, role: .assistant, content: "ghost", createdAt: start)]
        again.events = [RunEvent(runId: "run_c", seq: 2, kind: .runCancelled, data: [:])]
        do {
            try await store.commit(again)
            throw Failure(description: "a journal number used twice must fail")
        } catch let error as StoreError {
            try expect(error.code == .conflict, "the failure is a conflict: \(error)")
        }
        try expect(try await store.journal(runId: "run_c").count == 1, "no entry of the failed step")
        try expect(try await store.messages(runId: "run_c").count == 1, "no message of the failed step")
        try expect(try await store.events(runId: "run_c", after: 0).count == 1, "no event of the failed step")
    }

    static func eventsReadBack(_ store: Store) async throws {
        let run = try await completedRun(store, "run_e", session: "ses_e")
        let all = try await store.events(runId: run.id, after: 0)
        try expect(all.map(\.seq) == [1, 2, 3, 4, 5], "every event, in order: \(all.map(\.seq))")
        try expect(all.map(\.kind) == [.runStarted, .runContent, .runContent, .runContent, .runCompleted], "kinds: \(all.map(\.kind))")
        try expect(all.compactMap { $0.data["delta"]?.stringValue }.joined() == "Hello there.", "the deltas as sent")
        let rest = try await store.events(runId: run.id, after: 2)
        try expect(rest.map(\.seq) == [3, 4, 5], "from inside a window of deltas, only what follows: \(rest.map(\.seq))")
        let window = try await store.events(runId: run.id, after: 1, before: 4, limit: 10)
        try expect(window.map(\.seq) == [2, 3], "below a bound: \(window.map(\.seq))")
        try expect(try await store.events(runId: run.id, after: 5).isEmpty, "nothing after the last")
        try expect(try await store.events(runId: "run_none", after: 0).isEmpty, "nothing for an unknown run")
    }

    static func listsRuns(_ store: Store) async throws {
        for index in 0..<5 { _ = try await completedRun(store, "run_l\(index)", session: "ses_l\(index)", at: Double(index)) }
        let all = try await store.runs(RunQuery(limit: 10)).map(\.id)
        try expect(all == ["run_l4", "run_l3", "run_l2", "run_l1", "run_l0"], "newest first: \(all)")
        let page = try await store.runs(RunQuery(before: "run_l3", limit: 2)).map(\.id)
        try expect(page == ["run_l2", "run_l1"], "a page after a cursor: \(page)")
        try expect(try await store.runs(RunQuery(sessionId: "ses_l2", limit: 10)).map(\.id) == ["run_l2"], "by session")
        try expect(try await store.runs(RunQuery(phase: .running, limit: 10)).isEmpty, "by phase")
        try expect(try await store.sessions(SessionQuery(agent: "tester", limit: 2)).map(\.id) == ["ses_l4", "ses_l3"], "sessions newest first")
        for (id, labels) in [("run_la", ["team": "search", "tier": "gold"]), ("run_lb", ["team": "search"]), ("run_lc", ["team": "ads", "tier": "gold"])] {
            var write = started(id, session: "ses_\(id)", at: 10)
            write.newRun?.metadata = labels
            try await store.commit(write)
        }
        let searchers = try await store.runs(RunQuery(labels: ["team": "search"], limit: 10)).map(\.id).sorted()
        try expect(searchers == ["run_la", "run_lb"], "by a label: \(searchers)")
        try expect(try await store.runs(RunQuery(labels: ["team": "search", "tier": "gold"], limit: 10)).map(\.id) == ["run_la"], "every label matches")
        try expect(try await store.runs(RunQuery(labels: ["team": "search'; --"], limit: 10)).isEmpty, "values are values, not SQL")
    }

    static func approvalsTimersInbox(_ store: Store) async throws {
        try await store.commit(started("run_w", session: "ses_w"))
        let call = ToolCall(id: "call_1", name: "delete_everything", arguments: "{}")
        var pause = StepWrite(runId: "run_w")
        pause.entries = [(2, .modelResponded(step: 1, response: ModelResponse(text: "", toolCalls: [call], usage: Usage())))]
        pause.addApprovals = [PendingApproval(runId: "run_w", call: call, requestedAt: 1, deadline: 100)]
        pause.addTimers = [DurableTimer(id: "t1", runId: "run_w", fireAt: 100, kind: .approvalDeadline, callIds: ["call_1"])]
        try await store.commit(pause)
        try expect(try await store.pendingApprovals(runId: "run_w").map(\.call) == [call], "the approval is pending")
        try expect(try await store.dueTimers(at: 99).isEmpty, "a timer is not due before its time")
        try expect(try await store.dueTimers(at: 100).map(\.callIds) == [["call_1"]], "a timer is due at its time")

        try await store.enqueue(.resolveApproval(decision: ApprovalDecision(callId: "call_1", approved: true)), runId: "run_w")
        try await store.enqueue(.cancel(reason: "later"), runId: "run_w")
        let queued = try await store.queuedCommands(limit: 10)
        try expect(queued.count == 2 && queued.first?.command == .resolveApproval(decision: ApprovalDecision(callId: "call_1", approved: true)), "commands in order: \(queued)")

        var decide = StepWrite(runId: "run_w")
        decide.entries = [(3, .approvalResolved(ApprovalDecision(callId: "call_1", approved: true)))]
        decide.removeApprovals = ["call_1"]
        decide.removeTimers = ["t1"]
        decide.consumedCommands = [queued[0].id]
        try await store.commit(decide)
        try expect(try await store.pendingApprovals(runId: "run_w").isEmpty, "the decision removes the approval")
        try expect(try await store.dueTimers(at: 1_000).isEmpty, "and its timer")
        try expect(try await store.queuedCommands(limit: 10).map(\.id) == [queued[1].id], "the consumed command is gone, the other stays")
        try await store.discardCommands(ids: [queued[1].id])
        try expect(try await store.queuedCommands(limit: 10).isEmpty, "discarded")
    }

    static func resumeCounts(_ store: Store) async throws {
        try await store.commit(started("run_r", session: "ses_r"))
        _ = try await completedRun(store, "run_done", session: "ses_done")
        try expect(try await store.unfinishedRuns().map(\.id) == ["run_r"], "only the unfinished run")
        try expect(try await store.countResumes(createdBefore: .distantFuture)["run_r"] == 1, "one resume")
        try expect(try await store.countResumes(createdBefore: .distantFuture)["run_r"] == 2, "two in a row")
        try expect(try await store.countResumes(createdBefore: start)["run_r"] == nil, "a run created later is not counted")
        let run = try await store.run(id: "run_r")!
        var step = StepWrite(runId: "run_r")
        step.entries = [(2, .cancelRequested(reason: nil))]
        step.run = run
        try await store.commit(step)
        try expect(try await store.countResumes(createdBefore: .distantFuture)["run_r"] == 1, "a recorded step starts the count again")
    }

    static func pruning(_ store: Store) async throws {
        let old = try await completedRun(store, "run_p", session: "ses_p")
        try await store.commit(started("run_live", session: "ses_live"))
        let cutoff = start.addingTimeInterval(60)
        try expect(try await store.prune(finishedBefore: start, scope: .journalAndEvents) == 0, "nothing finished before the cutoff")
        try expect(try await store.prune(finishedBefore: cutoff, scope: .journal) == 1, "the journal of the finished run")
        try expect(try await store.journal(runId: old.id).isEmpty, "the journal goes")
        try expect(!(try await store.events(runId: old.id, after: 0)).isEmpty, "events stay")
        try expect(try await store.prune(finishedBefore: cutoff, scope: .journal) == 0, "pruned once")
        try expect(try await store.prune(finishedBefore: cutoff, scope: .journalAndEvents) == 1, "then its events")
        let pruned = try await store.run(id: old.id)
        try expect(pruned?.output == "Hello there." && pruned?.eventsPrunedThrough == old.eventSeq, "the run stays, marked: \(String(describing: pruned))")
        try expect(try await store.events(runId: old.id, after: 0).isEmpty, "no events")
        try expect(try await store.messages(runId: old.id).count == 2, "the conversation stays")
        try expect(try await store.prune(finishedBefore: cutoff, scope: .wholeRuns) == 1, "then the whole run")
        try expect(try await store.run(id: old.id) == nil, "the run is gone")
        try expect(try await store.session(id: "ses_p") == nil, "and its session, left empty")
        try expect(!(try await store.journal(runId: "run_live")).isEmpty, "a run in progress is never touched")
    }

    static func agents(_ store: Store) async throws {
        let agent = AgentDefinition(name: "helper", instructions: "Help.", model: ModelSettings(provider: .scripted, name: "s"))
        try await store.save(agent: agent, version: "h1", at: start)
        var changed = agent
        changed.instructions = "Help more."
        try await store.save(agent: changed, version: "h2", at: start.addingTimeInterval(1))
        let stored = try await store.storedAgents()
        try expect(stored.map(\.version) == ["h2"] && stored.first?.definition.instructions == "Help more.", "one agent, replaced: \(stored)")
        try expect(try await store.deleteAgent(name: "helper"), "deleted")
        try expect(!(try await store.deleteAgent(name: "helper")), "an agent deleted twice is not there the second time")
        try expect(try await store.storedAgents().isEmpty, "none left")
    }

    static func sessionMetadata(_ store: Store) async throws {
        func session(_ id: String, _ metadata: [String: String], at offset: Double) -> Session {
            Session(id: id, agent: "tester", metadata: metadata, createdAt: start.addingTimeInterval(offset), updatedAt: start.addingTimeInterval(offset))
        }
        try await store.insert(session("ses_m1", ["team": "support", "tier": "gold"], at: 1))
        try await store.insert(session("ses_m2", ["team": "support"], at: 2))
        try await store.insert(session("ses_m3", ["team": "sales", "note": "a: b"], at: 3))
        try await store.insert(session("ses_m4", [:], at: 4))
        try expect(try await store.session(id: "ses_m1")?.metadata == ["team": "support", "tier": "gold"], "metadata reads back")
        try expect(try await store.session(id: "ses_m4")?.metadata == [:], "none is none")
        let support = try await store.sessions(SessionQuery(metadata: ["team": "support"], limit: 10)).map(\.id)
        try expect(support == ["ses_m2", "ses_m1"], "sessions labelled team=support, newest first: \(support)")
        let gold = try await store.sessions(SessionQuery(metadata: ["team": "support", "tier": "gold"], limit: 10)).map(\.id)
        try expect(gold == ["ses_m1"], "every label must match: \(gold)")
        let paged = try await store.sessions(SessionQuery(metadata: ["team": "support"], before: "ses_m2", limit: 10)).map(\.id)
        try expect(paged == ["ses_m1"], "with a cursor: \(paged)")
        try expect(try await store.sessions(SessionQuery(metadata: ["team": "nobody"], limit: 10)).isEmpty, "no match, no sessions")
        _ = try await store.deleteSession(id: "ses_m1")
        try await store.insert(session("ses_m5", ["tier": "silver"], at: 5))
        let goldAfter = try await store.sessions(SessionQuery(metadata: ["tier": "gold"], limit: 10)).map(\.id)
        try expect(goldAfter.isEmpty, "a deleted session's labels go with it: \(goldAfter)")

        // A session pruned with its last run takes its labels along, even if its key is given again.
        var labelled = started("run_m7", session: "ses_m7", at: 7)
        labelled.newSession?.metadata = ["team": "pruned"]
        try await store.commit(labelled)
        let run = try await store.run(id: "run_m7")
        try await store.commit(finished(run!, answer: "done", deltas: []))
        try expect(try await store.prune(finishedBefore: start.addingTimeInterval(3600), scope: .wholeRuns) == 1, "the labelled session's run is pruned")
        try expect(try await store.session(id: "ses_m7") == nil, "with its session")
        try await store.insert(session("ses_m8", [:], at: 8))
        let stale = try await store.sessions(SessionQuery(metadata: ["team": "pruned"], limit: 10)).map(\.id)
        try expect(stale.isEmpty, "no session carries a pruned session's labels: \(stale)")
    }

    static func webhooks(_ store: Store) async throws {
        let run = try await completedRun(store, "run_w", session: "ses_w")
        let first = RunWebhook(runId: run.id, id: "a", url: "https://hooks.example/a", token: "t", authScheme: "Bearer", authCredentials: "c", format: "1.0", createdAt: start)
        try await store.putWebhook(first)
        try await store.putWebhook(RunWebhook(runId: run.id, id: "b", url: "https://hooks.example/b", format: "0.3", createdAt: start.addingTimeInterval(1)))
        try expect(try await store.webhooks(runId: run.id) == [first, RunWebhook(runId: run.id, id: "b", url: "https://hooks.example/b", format: "0.3", createdAt: start.addingTimeInterval(1))], "both read back whole, oldest first")
        var replaced = first
        replaced.url = "https://hooks.example/a2"
        try await store.putWebhook(replaced)
        try expect(try await store.webhooks(runId: run.id).first?.url == "https://hooks.example/a2", "the same id replaces")
        try await store.markWebhookDelivered(runId: run.id, id: "a", through: 7, finished: false)
        try await store.markWebhookDelivered(runId: run.id, id: "a", through: 3, finished: true)
        let marked = try await store.webhooks(runId: run.id).first
        try expect(marked?.deliveredSeq == 7 && marked?.finished == true, "delivered numbers never go back: \(String(describing: marked))")
        try expect(try await store.unfinishedWebhooks(limit: 10).map(\.id) == ["b"], "finished ones have nothing left to send")
        try expect(try await store.deleteWebhook(runId: run.id, id: "b"), "deleted")
        try expect(!(try await store.deleteWebhook(runId: run.id, id: "b")), "not there twice")
        try expect(try await store.deleteRun(id: run.id), "the run is deleted")
        try expect(try await store.webhooks(runId: run.id).isEmpty, "with its webhooks")
    }

    static func executions(_ store: Store) async throws {
        let run = try await completedRun(store, "run_x", session: "ses_x")
        let record = ExecutionRecord(runId: run.id, sessionId: "ses_x", agent: "tester", name: "Nightly report", slug: "nightly-report", createdBy: "api key …abcd", createdAt: start)
        try await store.reserveExecution(record)
        try expect(try await store.executionRecord(runId: run.id) == record, "read back whole")
        var twin = ExecutionRecord(runId: "run_x2", sessionId: "ses_x", agent: "tester", slug: "nightly-report", createdBy: "someone", createdAt: start.addingTimeInterval(3600))
        do {
            try await store.reserveExecution(twin)
            throw Failure(description: "a slug taken by an execution that exists is a conflict")
        } catch let error as StoreError where error.code == .conflict {}
        try await store.reserveExecution(ExecutionRecord(runId: "run_other", sessionId: "ses_o", agent: "other", slug: "nightly-report", createdBy: "x", createdAt: start))
        // A record whose run never started holds its slug for a minute, then gives it up.
        let ghost = ExecutionRecord(runId: "run_ghost", sessionId: "ses_g", agent: "tester", slug: "ghost", createdBy: "x", createdAt: start)
        try await store.reserveExecution(ghost)
        twin.slug = "ghost"
        twin.createdAt = start.addingTimeInterval(30)
        do {
            try await store.reserveExecution(twin)
            throw Failure(description: "a start under way keeps its slug")
        } catch let error as StoreError where error.code == .conflict {}
        twin.createdAt = start.addingTimeInterval(120)
        try await store.reserveExecution(twin)
        try expect(try await store.executionRecord(runId: "run_ghost") == nil, "the ghost gave its slug up")
        var renamed = record
        renamed.name = "Weekly"
        renamed.slug = "weekly"
        renamed.updatedBy = "api key …ef01"
        try await store.updateExecution(renamed)
        let both = try await store.executionRecords(runIds: [run.id, "run_x2", "run_none"])
        try expect(both[run.id] == renamed && both["run_x2"]?.slug == "ghost" && both.count == 2, "read by runs: \(both)")
        try await store.deleteExecution(runId: "run_x2")
        try expect(try await store.executionRecord(runId: "run_x2") == nil, "a record deleted")
        try expect(try await store.deleteRun(id: run.id), "the run is deleted")
        try expect(try await store.executionRecord(runId: run.id) == nil, "with its record")
        // An external runner's pending run: its spec replaced, once it is pending only.
        var external = started("run_ext", session: "ses_ext")
        external.newRun?.phase = .pending
        external.newRun?.agentVersion = AgentRunner.externalVersion
        external.entries = []
        try await store.commit(external)
        try expect(try await store.replacePendingSpec(runId: "run_ext", input: "new words", correlationId: "c-1", labels: ["k": "v"], at: start), "replaced")
        let replaced = try await store.run(id: "run_ext")
        try expect(replaced?.input == "new words" && replaced?.correlationId == "c-1" && replaced?.metadata == ["k": "v"], "\(String(describing: replaced))")
        try expect(try await store.messages(runId: "run_ext").map(\.content) == ["new words"], "the user's message too")
        try expect(!(try await store.replacePendingSpec(runId: "run_d_none", input: "x", correlationId: nil, labels: [:], at: start)), "no such run")
        try expect(!(try await store.replacePendingSpec(runId: "run_x2_none", input: "x", correlationId: nil, labels: [:], at: start)), "nothing")
        let aloftRun = try await completedRun(store, "run_own", session: "ses_own")
        try expect(!(try await store.replacePendingSpec(runId: aloftRun.id, input: "x", correlationId: nil, labels: [:], at: start)), "not Aloft's runs")
    }

    static func instances(_ store: Store) async throws {
        let first = AgentInstance(
            id: "ins_a", agent: "tester", name: AgentInstance.defaultName, environment: ["TOKEN": "t-1", "REGION": "eu"],
            model: AgentInstance.ModelOverrides(name: "gpt-x", temperature: 0.5, maxTokens: 300), createdBy: "api key …abcd", createdAt: start
        )
        try await store.createInstance(first)
        try expect(try await store.instance(id: "ins_a") == first, "read back whole")
        try expect(try await store.instance(agent: "tester", name: "default") == first, "found by agent and name")
        do {
            try await store.createInstance(AgentInstance(id: "ins_b", agent: "tester", name: "default", createdBy: "x", createdAt: start))
            throw Failure(description: "a second instance of one name for one agent is a conflict")
        } catch let error as StoreError where error.code == .conflict {}
        try expect(try await store.instance(id: "ins_b") == nil, "the refused one left nothing")
        let tenant = AgentInstance(id: "ins_c", agent: "tester", name: "acme", createdBy: "x", createdAt: start)
        try await store.createInstance(tenant)
        try await store.createInstance(AgentInstance(id: "ins_d", agent: "other", name: "default", createdBy: "x", createdAt: start))
        try expect(try await store.instances(agent: "tester").map(\.id) == ["ins_c", "ins_a"], "an agent's, by name")
        try expect(try await store.instances(agent: nil).map(\.id) == ["ins_d", "ins_c", "ins_a"], "all, by agent then name")
        let none = try await store.instance(id: "ins_none")
        let noneOfNobody = try await store.instances(agent: "nobody")
        try expect(none == nil && noneOfNobody.isEmpty, "none")
        var write = started("run_in", session: "ses_in")
        write.newSession?.instanceId = tenant.id
        try await store.commit(write)
        try expect(try await store.session(id: "ses_in")?.instanceId == tenant.id, "a session started in an instance keeps it")
        try await store.insert(Session(id: "ses_in2", agent: "tester", instanceId: first.id, createdAt: start, updatedAt: start))
        try expect(try await store.session(id: "ses_in2")?.instanceId == first.id, "an inserted session too")
        let listed = try await store.sessions(SessionQuery(limit: 10))
        try expect(listed.contains { $0.id == "ses_in" && $0.instanceId == "ins_c" }, "listed with it")
    }

    static func deletions(_ store: Store) async throws {
        let run = try await completedRun(store, "run_d", session: "ses_d")
        try expect(try await store.deleteRun(id: run.id), "deleted")
        try expect(try await store.run(id: run.id) == nil, "the run is gone")
        try expect(try await store.journal(runId: run.id).isEmpty, "with its journal")
        try expect(try await store.events(runId: run.id, after: 0).isEmpty, "and events")
        try expect(try await store.messages(runId: run.id).isEmpty, "and messages")
        try expect(!(try await store.deleteRun(id: run.id)), "not there twice")
        _ = try await completedRun(store, "run_d2", session: "ses_d2")
        try expect(try await store.deleteSession(id: "ses_d2"), "a session is deleted")
        try expect(try await store.run(id: "run_d2") == nil, "with its runs")
        try expect(try await store.session(id: "ses_d2") == nil, "the session is gone")
    }
}
