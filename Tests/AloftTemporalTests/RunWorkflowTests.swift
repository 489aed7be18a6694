import AloftCore
import AloftTemporal
import AloftTemporalAPI
import Foundation
import Testing

/// A workflow's history as Temporal would write it for the commands a worker gives, so the
/// decider is tested on the events it will really see.
struct HistoryScript {
    typealias Event = Temporal_Api_History_V1_HistoryEvent
    var events: [Event] = []
    /// Scheduled event id by activity id.
    var scheduled: [String: Int64] = [:]

    init(runId: String) throws {
        var started = Temporal_Api_History_V1_WorkflowExecutionStartedEventAttributes()
        started.input = try TemporalPayload.payloads(RunWorkflowInput(runId: runId, agentVersion: "v1"))
        add(.workflowExecutionStartedEventAttributes(started))
    }

    @discardableResult
    mutating func add(_ attributes: Event.OneOf_Attributes) -> Int64 {
        var event = Event()
        event.eventID = Int64(events.count + 1)
        event.attributes = attributes
        events.append(event)
        return event.eventID
    }

    /// What Temporal records for commands that start something (activities, timers).
    mutating func accept(_ commands: [Temporal_Api_Command_V1_Command]) {
        for command in commands {
            switch command.attributes {
            case .scheduleActivityTaskCommandAttributes(let schedule):
                var event = Temporal_Api_History_V1_ActivityTaskScheduledEventAttributes()
                event.activityID = schedule.activityID
                event.activityType = schedule.activityType
                event.input = schedule.input
                scheduled[schedule.activityID] = add(.activityTaskScheduledEventAttributes(event))
            case .startTimerCommandAttributes(let timer):
                var event = Temporal_Api_History_V1_TimerStartedEventAttributes()
                event.timerID = timer.timerID
                add(.timerStartedEventAttributes(event))
            case .cancelTimerCommandAttributes(let timer):
                var event = Temporal_Api_History_V1_TimerCanceledEventAttributes()
                event.timerID = timer.timerID
                add(.timerCanceledEventAttributes(event))
            default:
                break
            }
        }
    }

    mutating func complete(_ activityId: String, with value: some Encodable) throws {
        var event = Temporal_Api_History_V1_ActivityTaskCompletedEventAttributes()
        event.scheduledEventID = try #require(scheduled[activityId])
        event.result = try TemporalPayload.payloads(value)
        add(.activityTaskCompletedEventAttributes(event))
    }

    mutating func fail(_ activityId: String, type: String, message: String) throws {
        var failure = Temporal_Api_Failure_V1_Failure()
        failure.message = message
        var info = Temporal_Api_Failure_V1_ApplicationFailureInfo()
        info.type = type
        failure.applicationFailureInfo = info
        var event = Temporal_Api_History_V1_ActivityTaskFailedEventAttributes()
        event.scheduledEventID = try #require(scheduled[activityId])
        event.failure = failure
        add(.activityTaskFailedEventAttributes(event))
    }

    mutating func signal(_ decision: ApprovalDecision) throws {
        var event = Temporal_Api_History_V1_WorkflowExecutionSignaledEventAttributes()
        event.signalName = RunWorkflowKey.approvalSignal
        event.input = try TemporalPayload.payloads(decision)
        add(.workflowExecutionSignaledEventAttributes(event))
    }

    mutating func fire(_ timerId: String) {
        var event = Temporal_Api_History_V1_TimerFiredEventAttributes()
        event.timerID = timerId
        add(.timerFiredEventAttributes(event))
    }

    mutating func cancelRequested(_ cause: String) {
        var event = Temporal_Api_History_V1_WorkflowExecutionCancelRequestedEventAttributes()
        event.cause = cause
        add(.workflowExecutionCancelRequestedEventAttributes(event))
    }
}

@Suite("Run workflow: history → journal → commands")
struct RunWorkflowTests {
    static let runId = "run_t"
    static let start = RunStart(runId: runId, sessionId: "ses_t", agent: "tester", agentVersion: "v1", context: [.user("find 7")])
    static let lookup = ToolDefinition(
        name: "lookup", description: "Looks up.",
        parameters: ["type": "object", "properties": ["id": ["type": "integer"]], "required": ["id"]]
    )
    static let delete = ToolDefinition(name: "delete", description: "Deletes.", parameters: ["type": "object"])

    static func configuration(approval: [String] = [], deadline: Double? = nil) -> LoopConfiguration {
        LoopConfiguration(tools: [lookup, delete], policies: AgentPolicies(requireApproval: approval, approvalDeadlineSeconds: deadline))
    }

    /// Folds the whole history, as a worker does for every workflow task, and decides.
    static func decide(_ script: HistoryScript, _ configuration: LoopConfiguration = configuration()) throws -> (RunWorkflowHistory, [Temporal_Api_Command_V1_Command]) {
        var history = RunWorkflowHistory(start: start, configuration: configuration)
        for event in script.events { try history.apply(event) }
        return (history, try RunWorkflowCommands.commands(for: history, runId: runId, taskQueue: "aloft"))
    }

    static func schedule(_ command: Temporal_Api_Command_V1_Command) -> Temporal_Api_Command_V1_ScheduleActivityTaskCommandAttributes? {
        if case .scheduleActivityTaskCommandAttributes(let schedule) = command.attributes { return schedule }
        return nil
    }

    @Test("a tool round trip: model, tool with the run's idempotency key, model, completed — the same journal as the embedded engine records")
    func toolRoundTrip() throws {
        var script = try HistoryScript(runId: Self.runId)
        var (_, commands) = try Self.decide(script)
        let first = try #require(commands.first.flatMap(Self.schedule))
        #expect(commands.count == 1 && first.activityID == "model-1" && first.activityType.name == "aloft.model")
        #expect(try TemporalPayload.decode(ModelActivityInput.self, from: first.input) == ModelActivityInput(runId: Self.runId, step: 1), "a reference, not the transcript")
        #expect(first.startToCloseTimeout.seconds == 600 && first.heartbeatTimeout.seconds == 10)
        // The policy's 3 attempts, plus those lost workers may take (they do not count).
        #expect(first.retryPolicy.maximumAttempts == 3 + Int32(ActivityAttempts.lostWorkers))
        #expect(try TemporalPayload.decode(Int.self, from: try #require(first.header.fields[ActivityAttempts.headerKey])) == 3)
        script.accept(commands)
        #expect(try Self.decide(script).1.isEmpty, "nothing ordered twice while the model call is under way")

        let call = ToolCall(id: "call_1", name: "lookup", arguments: #"{"id":7}"#)
        try script.complete("model-1", with: ModelResponse(text: "", toolCalls: [call], usage: Usage(inputTokens: 5, outputTokens: 2)))
        (_, commands) = try Self.decide(script)
        let tool = try #require(commands.first.flatMap(Self.schedule))
        let input = try TemporalPayload.decode(ToolActivityInput.self, from: tool.input)
        #expect(tool.activityID == "tool-call_1" && input.idempotencyKey == "run_t:call_1" && input.arguments == ["id": 7])
        script.accept(commands)

        try script.complete("tool-call_1", with: ToolResult(callId: "call_1", name: "lookup", content: "seven"))
        (_, commands) = try Self.decide(script)
        #expect(commands.compactMap(Self.schedule).map(\.activityID) == ["model-2"])
        script.accept(commands)
        try script.complete("model-2", with: ModelResponse(text: "It is seven."))
        let (history, last) = try Self.decide(script)
        guard case .completeWorkflowExecutionCommandAttributes(let complete) = try #require(last.first).attributes else {
            Issue.record("the workflow completes: \(last)")
            return
        }
        #expect(try TemporalPayload.decode(RunOutcome.self, from: complete.result) == .completed(answer: "It is seven."))
        #expect(history.journal == [
            .started(Self.start),
            .modelResponded(step: 1, response: ModelResponse(text: "", toolCalls: [call], usage: Usage(inputTokens: 5, outputTokens: 2))),
            .toolCompleted(ToolResult(callId: "call_1", name: "lookup", content: "seven")),
            .modelResponded(step: 2, response: ModelResponse(text: "It is seven.")),
            .finished(.completed(answer: "It is seven.")),
        ])
        // The payloads are JSON the CLI and Web UI show.
        #expect(first.input.payloads.first?.metadata["encoding"] == Data("json/plain".utf8))
    }

    @Test("a long history continues as a new execution once nothing is under way; the new one starts from the recorded journal and goes on")
    func continuesAsNew() throws {
        var script = try HistoryScript(runId: Self.runId)
        var history = RunWorkflowHistory(start: Self.start, configuration: Self.configuration())
        for event in script.events { try history.apply(event) }
        // Short history: the model call is scheduled.
        var commands = try RunWorkflowCommands.commands(for: history, runId: Self.runId, taskQueue: "aloft", continueAfter: 8)
        #expect(commands.compactMap(Self.schedule).map(\.activityID) == ["model-1"])
        script.accept(commands)
        try history.apply(script.events.last!)
        let call = ToolCall(id: "call_1", name: "lookup", arguments: #"{"id":7}"#)
        try script.complete("model-1", with: ModelResponse(text: "", toolCalls: [call]))
        try history.apply(script.events.last!)
        commands = try RunWorkflowCommands.commands(for: history, runId: Self.runId, taskQueue: "aloft", continueAfter: 3)
        // Past the limit with nothing under way: a new execution, told how much is recorded.
        guard case .continueAsNewWorkflowExecutionCommandAttributes(let next) = try #require(commands.first).attributes else {
            Issue.record("continues as new: \(commands)")
            return
        }
        #expect(commands.count == 1 && next.workflowType.name == "aloft.run" && next.taskQueue.name == "aloft")
        let input = try TemporalPayload.decode(RunWorkflowInput.self, from: next.input)
        #expect(input == RunWorkflowInput(runId: Self.runId, agentVersion: "v1", recorded: history.journal.count), "a count, not the journal")

        // While an activity is under way it does not: the limit waits for a quiet moment.
        var busy = try HistoryScript(runId: Self.runId)
        var busyHistory = RunWorkflowHistory(start: Self.start, configuration: Self.configuration())
        busy.accept(try RunWorkflowCommands.commands(for: busyHistory, runId: Self.runId, taskQueue: "aloft"))
        for event in busy.events { try busyHistory.apply(event) }
        #expect(try RunWorkflowCommands.commands(for: busyHistory, runId: Self.runId, taskQueue: "aloft", continueAfter: 1).isEmpty)

        // The new execution: from the recorded journal, the same next order (the tool call).
        var continued = RunWorkflowHistory(recorded: history.journal, configuration: Self.configuration())
        let fresh = try HistoryScript(runId: Self.runId)
        for event in fresh.events { try continued.apply(event) }
        let orders = try RunWorkflowCommands.commands(for: continued, runId: Self.runId, taskQueue: "aloft")
        #expect(orders.compactMap(Self.schedule).map(\.activityID) == ["tool-call_1"])
        #expect(continued.journal == history.journal)
    }

    @Test("arguments that do not match the tool's schema become its result without an activity, and the model is asked again")
    func invalidArguments() throws {
        var script = try HistoryScript(runId: Self.runId)
        script.accept(try Self.decide(script).1)
        try script.complete("model-1", with: ModelResponse(text: "", toolCalls: [ToolCall(id: "c", name: "lookup", arguments: #"{"id":"seven"}"#)]))
        let (history, commands) = try Self.decide(script)
        #expect(commands.compactMap(Self.schedule).map(\.activityID) == ["model-2"])
        guard case .toolCompleted(let result) = history.journal[2] else {
            Issue.record("\(history.journal)")
            return
        }
        #expect(result.failure == .invalidArguments)
    }

    @Test("approval: a deadline timer per iteration; approving runs the tool and cancels the timer; a fired timer denies what still waits")
    func approvals() throws {
        let configuration = Self.configuration(approval: ["delete"], deadline: 60)
        var script = try HistoryScript(runId: Self.runId)
        script.accept(try Self.decide(script, configuration).1)
        try script.complete("model-1", with: ModelResponse(text: "", toolCalls: [ToolCall(id: "d1", name: "delete", arguments: "{}"), ToolCall(id: "d2", name: "delete", arguments: "{}")]))
        var (_, commands) = try Self.decide(script, configuration)
        guard case .startTimerCommandAttributes(let timer) = try #require(commands.first).attributes else {
            Issue.record("a timer: \(commands)")
            return
        }
        #expect(commands.count == 1 && timer.timerID == "approval-1" && timer.startToFireTimeout.seconds == 60)
        script.accept(commands)
        #expect(try Self.decide(script, configuration).1.isEmpty, "waiting: nothing to do")

        var approved = script
        try approved.signal(ApprovalDecision(callId: "d1", approved: true, decidedBy: "alice"))
        try approved.signal(ApprovalDecision(callId: "d2", approved: false, reason: "no"))
        (_, commands) = try Self.decide(approved, configuration)
        #expect(commands.compactMap(Self.schedule).map(\.activityID) == ["tool-d1"])
        #expect(commands.contains { if case .cancelTimerCommandAttributes(let cancel) = $0.attributes { cancel.timerID == "approval-1" } else { false } })

        var late = script
        try late.signal(ApprovalDecision(callId: "d1", approved: true))
        late.fire("approval-1")
        let (history, afterDeadline) = try Self.decide(late, configuration)
        #expect(history.journal.contains(.approvalTimedOut(callIds: ["d2"])), "\(history.journal)")
        #expect(afterDeadline.compactMap(Self.schedule).map(\.activityID) == ["tool-d1"], "d2 denied, d1 runs")
    }

    @Test("stop while the model answers: the call is asked to stop once; the run ends cancelled when it has (its partial answer saved), not before")
    func cancelDuringModel() throws {
        var script = try HistoryScript(runId: Self.runId)
        script.accept(try Self.decide(script).1)
        script.cancelRequested("stopped by alice")
        var (history, commands) = try Self.decide(script)
        #expect(history.state.outcome == nil, "not ended while the model call runs: \(history.journal)")
        guard commands.count == 1, case .requestCancelActivityTaskCommandAttributes(let cancel) = commands[0].attributes else {
            Issue.record("\(commands)")
            return
        }
        #expect(cancel.scheduledEventID == script.scheduled["model-1"])
        // Temporal records the request; asked again, the worker does not repeat it.
        var requested = Temporal_Api_History_V1_ActivityTaskCancelRequestedEventAttributes()
        requested.scheduledEventID = cancel.scheduledEventID
        script.add(.activityTaskCancelRequestedEventAttributes(requested))
        #expect(try Self.decide(script).1.isEmpty)
        // The activity stopped (its partial answer kept): the run ends cancelled.
        var canceled = Temporal_Api_History_V1_ActivityTaskCanceledEventAttributes()
        canceled.scheduledEventID = cancel.scheduledEventID
        script.add(.activityTaskCanceledEventAttributes(canceled))
        (history, commands) = try Self.decide(script)
        #expect(history.journal.last == .finished(.cancelled(reason: "stopped by alice")))
        guard commands.count == 1, case .cancelWorkflowExecutionCommandAttributes = commands[0].attributes else {
            Issue.record("\(commands)")
            return
        }
    }

    @Test("stop while a tool runs, or while nothing runs: the run ends cancelled at once")
    func cancelDuringTool() throws {
        var script = try HistoryScript(runId: Self.runId)
        script.accept(try Self.decide(script).1)
        try script.complete("model-1", with: ModelResponse(text: "", toolCalls: [ToolCall(id: "call_1", name: "lookup", arguments: #"{"id":7}"#)]))
        script.accept(try Self.decide(script).1)
        script.cancelRequested("enough")
        let (history, commands) = try Self.decide(script)
        #expect(history.journal.last == .finished(.cancelled(reason: "enough")))
        #expect(commands.last?.commandType == .cancelWorkflowExecution && commands.first?.commandType == .requestCancelActivityTask)
    }

    @Test("a model call Temporal gave up on fails the run with the activity's code and message")
    func modelFailure() throws {
        var script = try HistoryScript(runId: Self.runId)
        script.accept(try Self.decide(script).1)
        try script.fail("model-1", type: ActivityFailureType.modelRefused, message: "the model server answered 400: bad model name")
        let (history, commands) = try Self.decide(script)
        #expect(history.state.outcome == .failed(RunError(code: RunError.Code(rawValue: "model_refused"), message: "the model server answered 400: bad model name")))
        guard case .failWorkflowExecutionCommandAttributes(let fail) = try #require(commands.first).attributes else {
            Issue.record("\(commands)")
            return
        }
        #expect(fail.failure.applicationFailureInfo.type == "model_refused" && fail.failure.applicationFailureInfo.nonRetryable)
    }

    @Test("a history that is not a run's is refused, naming what is wrong")
    func badHistories() throws {
        var stranger = try HistoryScript(runId: Self.runId)
        var scheduled = Temporal_Api_History_V1_ActivityTaskScheduledEventAttributes()
        scheduled.activityID = "something-else"
        stranger.add(.activityTaskScheduledEventAttributes(scheduled))
        #expect(throws: TemporalError.self) { try Self.decide(stranger) }

        var garbled = try HistoryScript(runId: Self.runId)
        garbled.accept(try Self.decide(garbled).1)
        var completed = Temporal_Api_History_V1_ActivityTaskCompletedEventAttributes()
        completed.scheduledEventID = try #require(garbled.scheduled["model-1"])
        var payload = Temporal_Api_Common_V1_Payload()
        payload.metadata["encoding"] = Data("binary/plain".utf8)
        completed.result.payloads = [payload]
        garbled.add(.activityTaskCompletedEventAttributes(completed))
        #expect { try Self.decide(garbled) } throws: { ($0 as? TemporalError)?.code == .badPayload }
    }

    @Test("replayed from its history, a task gives the same commands: ids come from the journal, not from a counter")
    func replayIsDeterministic() throws {
        var script = try HistoryScript(runId: Self.runId)
        script.accept(try Self.decide(script).1)
        try script.complete("model-1", with: ModelResponse(text: "", toolCalls: [ToolCall(id: "a", name: "lookup", arguments: #"{"id":1}"#), ToolCall(id: "b", name: "lookup", arguments: #"{"id":2}"#)]))
        let once = try Self.decide(script).1
        let again = try Self.decide(script).1
        #expect(once == again && once.compactMap(Self.schedule).map(\.activityID) == ["tool-a", "tool-b"])
    }
}
