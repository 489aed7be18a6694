import AloftCore
public import AloftTemporalAPI
import SwiftProtobuf

/// The commands a workflow task answers with: the loop's orders for the run as its history
/// tells it, as Temporal commands. Ids come from the order keys, so a replayed task gives the
/// same commands. Timeouts and retries come from the agent's policies; errors that retrying
/// cannot mend (a model server's 4xx, a tool's validation error) are marked not retryable
/// by the activities themselves.
public enum RunWorkflowCommands {
    /// An activity's worker silent this long is lost (killed, cut off): Temporal gives the
    /// attempt up and retries it on another worker. Activities heartbeat every second.
    public static let heartbeatTimeoutSeconds: Double = 10

    /// - Parameter eager: ask Temporal to hand the activities back with the reply (the worker
    ///   then runs them at once); only when the worker can take them.
    /// - Parameter continueAfter: a history this long (in events) is continued as a new
    ///   execution when nothing is under way, as is one Temporal suggests continuing.
    public static func commands(
        for history: RunWorkflowHistory, runId: String, taskQueue: String, eager: Bool = false, continueAfter: Int64 = defaultContinueAfter
    ) throws -> [Temporal_Api_Command_V1_Command] {
        let state = history.state
        // The run ended in the journal (its end follows from what was recorded): close the workflow.
        if let outcome = state.outcome { return try finish(outcome, history: history) }
        // Stopped while the model answers: the call is asked to stop, and the run ends once it
        // has (its partial answer saved), nothing new begins meanwhile.
        if history.stopWaiting != nil {
            return history.openModelCalls.filter { !history.stopsRequested.contains($0.scheduled) }.map { call in
                var cancel = Temporal_Api_Command_V1_RequestCancelActivityTaskCommandAttributes()
                cancel.scheduledEventID = call.scheduled
                return command(.requestCancelActivityTask, .requestCancelActivityTaskCommandAttributes(cancel))
            }
        }
        if history.length >= continueAfter || history.continueSuggested, let next = continuation(of: history, runId: runId, taskQueue: taskQueue) {
            return [next]
        }
        let policies = state.configuration.policies
        var commands: [Temporal_Api_Command_V1_Command] = []
        for order in AgentLoop.decide(state) {
            switch order {
            case .callModel(let step, _):
                commands.append(
                    try activity(
                        id: RunWorkflowKey.activityId(of: order.key)!, type: RunWorkflowKey.modelActivityType,
                        input: ModelActivityInput(runId: runId, step: step), taskQueue: taskQueue,
                        // Each attempt may take the model's whole timeout (its idle timeout is
                        // enforced by the activity itself).
                        attempt: policies.modelTimeoutSeconds, heartbeat: heartbeatTimeoutSeconds, retry: policies.modelRetry,
                        eager: eager
                    )
                )
            case .runTool(let invocation):
                commands.append(
                    try activity(
                        id: RunWorkflowKey.activityId(of: order.key)!, type: RunWorkflowKey.toolActivityType,
                        input: ToolActivityInput(runId: runId, invocation: invocation), taskQueue: taskQueue,
                        attempt: policies.toolTimeoutSeconds, heartbeat: heartbeatTimeoutSeconds, retry: policies.toolRetry, eager: eager
                    )
                )
            case .awaitApproval(_, let deadline):
                let step = state.iterations.count
                if let deadline, history.approvalTimers[step] == nil {
                    var timer = Temporal_Api_Command_V1_StartTimerCommandAttributes()
                    timer.timerID = RunWorkflowKey.approvalTimerId(step: step)
                    timer.startToFireTimeout = duration(deadline)
                    commands.append(command(.startTimer, .startTimerCommandAttributes(timer)))
                }
            case .recordToolResult:
                // Recorded by the history fold as the entries it follows from; nothing to run.
                break
            case .finish(let outcome):
                // Settled into the journal by the fold; kept for a journal that ends without it.
                commands += try finish(outcome, history: history)
            }
        }
        // A deadline nobody waits for any more (every call decided) is cancelled.
        let current = state.iterations.count
        let waiting = !AgentLoop.callsAwaitingApproval(state).isEmpty
        for (step, status) in history.approvalTimers.sorted(by: { $0.key < $1.key }) where status == .started && (step != current || !waiting) {
            commands.append(cancelTimer(step))
        }
        return commands
    }

    /// Temporal's own suggestion comes at 4,096 events (its hard limit is 51,200); a run's
    /// step adds about 6.
    public static let defaultContinueAfter: Int64 = 4_096

    /// The same run as a new execution of its workflow, whose history begins empty, when
    /// nothing is under way: no activity, no approval timer, no call waiting for a person.
    /// Its input says how many journal entries are recorded (in the store) so far.
    static func continuation(of history: RunWorkflowHistory, runId: String, taskQueue: String) -> Temporal_Api_Command_V1_Command? {
        guard history.openActivities.isEmpty, !history.approvalTimers.values.contains(.started),
            AgentLoop.callsAwaitingApproval(history.state).isEmpty, !history.state.cancelRequested, let start = history.start,
            let input = try? TemporalPayload.payloads(RunWorkflowInput(runId: runId, agentVersion: start.agentVersion, recorded: history.journal.count))
        else { return nil }
        var next = Temporal_Api_Command_V1_ContinueAsNewWorkflowExecutionCommandAttributes()
        next.workflowType.name = RunWorkflowWorker.workflowType
        next.taskQueue = TemporalConnection.queue(taskQueue)
        next.input = input
        return command(.continueAsNewWorkflowExecution, .continueAsNewWorkflowExecutionCommandAttributes(next))
    }

    /// The run's end: activities under way are asked to stop (a model call's HTTP request
    /// ends with it), timers cancelled, and the workflow closed as the run ended.
    static func finish(_ outcome: RunOutcome, history: RunWorkflowHistory) throws -> [Temporal_Api_Command_V1_Command] {
        var commands: [Temporal_Api_Command_V1_Command] = []
        for (_, scheduled) in history.openActivities.sorted(by: { $0.value < $1.value }) {
            var cancel = Temporal_Api_Command_V1_RequestCancelActivityTaskCommandAttributes()
            cancel.scheduledEventID = scheduled
            commands.append(command(.requestCancelActivityTask, .requestCancelActivityTaskCommandAttributes(cancel)))
        }
        for (step, status) in history.approvalTimers.sorted(by: { $0.key < $1.key }) where status == .started {
            commands.append(cancelTimer(step))
        }
        switch outcome {
        case .completed:
            var complete = Temporal_Api_Command_V1_CompleteWorkflowExecutionCommandAttributes()
            complete.result = try TemporalPayload.payloads(outcome)
            commands.append(command(.completeWorkflowExecution, .completeWorkflowExecutionCommandAttributes(complete)))
        case .failed(let error):
            var failure = Temporal_Api_Failure_V1_Failure()
            failure.message = error.message
            failure.source = "aloft"
            var info = Temporal_Api_Failure_V1_ApplicationFailureInfo()
            info.type = error.code.rawValue
            info.nonRetryable = true
            failure.applicationFailureInfo = info
            var fail = Temporal_Api_Command_V1_FailWorkflowExecutionCommandAttributes()
            fail.failure = failure
            commands.append(command(.failWorkflowExecution, .failWorkflowExecutionCommandAttributes(fail)))
        case .cancelled:
            var cancel = Temporal_Api_Command_V1_CancelWorkflowExecutionCommandAttributes()
            cancel.details = try TemporalPayload.payloads(outcome)
            commands.append(command(.cancelWorkflowExecution, .cancelWorkflowExecutionCommandAttributes(cancel)))
        }
        return commands
    }

    static func activity(
        id: String, type: String, input: some Encodable, taskQueue: String, attempt: Double, heartbeat: Double?, retry: AloftCore.RetryPolicy,
        eager: Bool
    ) throws -> Temporal_Api_Command_V1_Command {
        var schedule = Temporal_Api_Command_V1_ScheduleActivityTaskCommandAttributes()
        schedule.activityID = id
        schedule.activityType.name = type
        schedule.taskQueue = TemporalConnection.queue(taskQueue)
        schedule.input = try TemporalPayload.payloads(input)
        schedule.startToCloseTimeout = duration(attempt)
        if let heartbeat { schedule.heartbeatTimeout = duration(heartbeat) }
        var policy = Temporal_Api_Common_V1_RetryPolicy()
        // Lost workers' attempts do not count against the agent's policy (see ActivityAttempts).
        policy.maximumAttempts = Int32(clamping: retry.maxAttempts + ActivityAttempts.lostWorkers)
        schedule.header.fields[ActivityAttempts.headerKey] = try TemporalPayload.encode(retry.maxAttempts)
        policy.initialInterval = duration(max(retry.initialBackoffSeconds, 0.001))
        policy.maximumInterval = duration(max(retry.maxBackoffSeconds, retry.initialBackoffSeconds, 0.001))
        policy.backoffCoefficient = max(retry.multiplier, 1)
        policy.nonRetryableErrorTypes = ActivityFailureType.notRetryable
        schedule.retryPolicy = policy
        schedule.requestEagerExecution = eager
        return command(.scheduleActivityTask, .scheduleActivityTaskCommandAttributes(schedule))
    }

    static func cancelTimer(_ step: Int) -> Temporal_Api_Command_V1_Command {
        var cancel = Temporal_Api_Command_V1_CancelTimerCommandAttributes()
        cancel.timerID = RunWorkflowKey.approvalTimerId(step: step)
        return command(.cancelTimer, .cancelTimerCommandAttributes(cancel))
    }

    static func command(_ type: Temporal_Api_Enums_V1_CommandType, _ attributes: Temporal_Api_Command_V1_Command.OneOf_Attributes) -> Temporal_Api_Command_V1_Command {
        var command = Temporal_Api_Command_V1_Command()
        command.commandType = type
        command.attributes = attributes
        return command
    }

    static func duration(_ seconds: Double) -> Google_Protobuf_Duration {
        let bounded = min(max(seconds, 0.001), AgentLimits.maxSeconds)
        let whole = bounded.rounded(.down)
        return Google_Protobuf_Duration(seconds: Int64(whole), nanos: Int32((bounded - whole) * 1_000_000_000))
    }
}

/// Failure types the activities report, as Temporal application failure types.
public enum ActivityFailureType {
    /// The model server refused the request (a 4xx other than 408/429): a retry would send
    /// the same request and be refused again.
    public static let modelRefused = "model_refused"
    /// The tool refused the arguments: a retry would be refused again.
    public static let toolRefused = "tool_refused"

    static let notRetryable = [modelRefused, toolRefused]
}
