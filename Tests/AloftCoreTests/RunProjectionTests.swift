import Foundation
import Testing

@testable import AloftCore

@Suite("Journal entries projected to what a step writes")
struct RunProjectionTests {
    private static let time = Date(timeIntervalSince1970: 1_800_000_000)
    private static let echo = ToolDefinition(name: "echo", description: "Echoes", parameters: ["type": "object"])

    private static func state(approval: [String] = []) -> RunState {
        RunState(
            configuration: LoopConfiguration(tools: [echo], policies: AgentPolicies(requireApproval: approval)),
            journal: [.started(RunStart(runId: "r", sessionId: "s", agent: "a", agentVersion: "v", context: [.user("hi")]))]
        )
    }

    private static let run = Run(
        id: "r", sessionId: "s", agent: "a", agentVersion: "v", phase: .running, input: "hi", messageBase: 4, createdAt: time, updatedAt: time
    )

    private static func calls(_ ids: String...) -> JournalEntry {
        .modelResponded(
            step: 1,
            response: ModelResponse(text: "", toolCalls: ids.map { ToolCall(id: $0, name: "echo", arguments: "{}") }, usage: Usage(inputTokens: 5, outputTokens: 1))
        )
    }

    @Test("messages take their places after the run's user message: the answer, then each tool result in call order")
    func messagePositions() {
        let first = RunProjection.step([Self.calls("c1", "c2")], after: Self.state(), run: Self.run, at: Self.time)
        #expect(first.write.entries.map(\.seq) == [2])
        #expect(first.write.messages.map(\.position) == [5])
        #expect(first.events.map(\.kind) == [.toolCallStarted, .toolCallStarted])
        let results = RunProjection.step(
            [.toolCompleted(ToolResult(callId: "c2", name: "echo", content: "b")), .toolCompleted(ToolResult(callId: "c1", name: "echo", content: "a"))],
            after: first.state, run: first.run, at: Self.time
        )
        #expect(results.write.entries.map(\.seq) == [3, 4])
        #expect(results.write.messages.map(\.position) == [7, 6], "c1 at 6, c2 at 7, whatever order they finish in")
        #expect(results.run.iterations == 1 && results.run.usage.inputTokens == 5)
    }

    @Test("a call that needs approval is requested, not started, until approved; a pause shows as waiting only in the step that stores the approvals; a decision removes the approval and its timer")
    func approvals() {
        let asked = RunProjection.step([Self.calls("c1")], after: Self.state(approval: ["echo"]), run: Self.run, at: Self.time)
        #expect(asked.run.phase == .running, "not waiting before the approvals are stored")
        #expect(asked.events.map(\.kind) == [.toolCallRequested], "a UI must not show the call as running while it waits")
        let paused = RunProjection.step([], after: asked.state, run: asked.run, at: Self.time) { write in
            write.addApprovals = [PendingApproval(runId: "r", call: ToolCall(id: "c1", name: "echo", arguments: "{}"), requestedAt: 0, deadline: nil)]
        }
        #expect(paused.run.phase == .waitingForApproval)
        let decided = RunProjection.step([.approvalResolved(ApprovalDecision(callId: "c1", approved: true))], after: paused.state, run: paused.run, at: Self.time)
        #expect(decided.write.removeApprovals == ["c1"])
        #expect(decided.write.removeTimers == [DurableTimer.approvalDeadlineId(runId: "r", callId: "c1")])
        #expect(decided.run.phase == .running)
        #expect(decided.events.map(\.kind) == [.runResumed, .toolCallStarted], "approved: now it starts")
        #expect(decided.events.last?.data["tool_call"]?["id"] == "c1")
        let denied = RunProjection.step([.approvalResolved(ApprovalDecision(callId: "c1", approved: false))], after: paused.state, run: paused.run, at: Self.time)
        #expect(denied.events.map(\.kind) == [.runResumed], "denied: it never starts")
    }

    @Test("the end frees the session, clears what waits, closes open messages and fills the run")
    func finish() {
        let done = RunProjection.step([.finished(.completed(answer: "Bye."))], after: Self.state(), run: Self.run, at: Self.time)
        #expect(done.run.phase == .completed && done.run.output == "Bye." && done.run.finishedAt == Self.time)
        #expect(done.write.sessionActiveRun?.sessionId == "s" && done.write.sessionActiveRun?.runId == nil)
        #expect(done.write.removeAllApprovals && done.write.removeAllTimers && done.write.interruptOpenMessages)
        #expect(done.events.map(\.kind) == [.runCompleted])
        #expect(done.write.run?.phase == .completed)
    }
}

@Suite("Commands recorded as journal entries")
struct RunSignalsTests {
    private static let echo = ToolDefinition(name: "echo", description: "Echoes", parameters: ["type": "object"])

    private static func waiting(_ ids: String...) -> RunState {
        RunState(
            configuration: LoopConfiguration(tools: [echo], policies: AgentPolicies(requireApproval: ["echo"])),
            journal: [
                .started(RunStart(runId: "r", sessionId: "s", agent: "a", agentVersion: "v", context: [.user("hi")])),
                .modelResponded(step: 1, response: ModelResponse(text: "", toolCalls: ids.map { ToolCall(id: $0, name: "echo", arguments: "{}") }, usage: Usage())),
            ]
        )
    }

    @Test("a stop is recorded once; decisions only for calls still waiting, the first one winning; deadlines only for the undecided")
    func entries() {
        let entries = RunSignals.entries(
            for: [
                .resolveApproval(decision: ApprovalDecision(callId: "c1", approved: true)),
                .resolveApproval(decision: ApprovalDecision(callId: "c1", approved: false)),
                .resolveApproval(decision: ApprovalDecision(callId: "nope", approved: true)),
                .approvalDeadlinePassed(callIds: ["c1", "c2"]),
                .cancel(reason: "a"), .cancel(reason: "b"),
            ],
            in: Self.waiting("c1", "c2")
        )
        #expect(entries == [
            .approvalResolved(ApprovalDecision(callId: "c1", approved: true)), .approvalTimedOut(callIds: ["c2"]), .cancelRequested(reason: "a"),
        ])
    }

    @Test("commands that no longer apply give nothing")
    func stale() {
        var state = Self.waiting("c1")
        state.apply(.cancelRequested(reason: nil))
        state.apply(.approvalResolved(ApprovalDecision(callId: "c1", approved: false)))
        #expect(RunSignals.entries(for: [.cancel(reason: nil), .resolveApproval(decision: ApprovalDecision(callId: "c1", approved: true))], in: state).isEmpty)
    }
}

@Suite("Planning a run's start")
struct RunStartPlanTests {
    private static let time = Date(timeIntervalSince1970: 1_800_000_000)
    private static let agent = AgentDefinition(name: "helper", instructions: "Help.", model: ModelSettings(provider: .scripted, name: "s"))
    private static let loop = LoopConfiguration(tools: [], policies: AgentPolicies())

    @Test("a first turn opens a session titled by the input; the run, its context, message and first event are planned together")
    func newSession() {
        let plan = RunStartPlan(
            runId: "r1", request: StartRunRequest(agent: Self.agent, input: "  Hello  ", userId: "u"), input: "Hello", agentVersion: "v1",
            loop: Self.loop, session: nil, newSessionId: "s1", history: [], messageBase: 0, at: Self.time
        )
        #expect(plan.write.newSession?.id == "s1" && plan.write.newSession?.activeRunId == "r1" && plan.write.newSession?.userId == "u")
        #expect(plan.write.newSession?.title == "Hello")
        #expect(plan.run.sessionId == "s1" && plan.run.eventSeq == 1 && plan.run.phase == .running && plan.run.agentVersion == "v1")
        #expect(plan.events.map(\.kind) == [.runStarted] && plan.events.first?.seq == 1)
        #expect(plan.write.messages.map(\.position) == [0])
        guard case .started(let start) = plan.journal.first else { Issue.record("the journal starts with the start"); return }
        #expect(start.context.map(\.content) == ["Help.", "Hello"])
    }

    @Test("a later turn continues the session after its last message, with its history in the context")
    func laterTurn() {
        let session = Session(id: "s1", agent: "helper", title: "Hello", summary: nil, activeRunId: nil, createdAt: Self.time, updatedAt: Self.time)
        let plan = RunStartPlan(
            runId: "r2", request: StartRunRequest(agent: Self.agent, input: "And now?", sessionId: "s1"), input: "And now?", agentVersion: "v1",
            loop: Self.loop, session: session, newSessionId: "unused",
            history: [
                Message(sessionId: "s1", runId: "r1", position: 0, role: .user, content: "Hello", createdAt: Self.time),
                Message(sessionId: "s1", runId: "r1", position: 1, role: .assistant, content: "Hi!", createdAt: Self.time),
            ],
            messageBase: 2, at: Self.time
        )
        #expect(plan.write.newSession == nil)
        #expect(plan.write.sessionActiveRun?.sessionId == "s1" && plan.write.sessionActiveRun?.runId == "r2")
        #expect(plan.run.messageBase == 2 && plan.write.messages.map(\.position) == [2])
        guard case .started(let start) = plan.journal.first else { Issue.record("the journal starts with the start"); return }
        #expect(start.context.map(\.content) == ["Help.", "Hello", "Hi!", "And now?"])
        #expect(start.historyFrom == 0, "the start says where its history came from, so stores can refer to it")
    }
}
