public import AloftCore
public import AloftTemporalAPI

/// A run as its workflow's history tells it: the journal the embedded engine would have
/// recorded for the same events, and what is under way (activities, approval timers).
///
/// Pure: the same history always folds to the same journal, so a replayed workflow task
/// decides the same commands and projects nothing new.
public struct RunWorkflowHistory: Sendable {
    public enum TimerStatus: Sendable, Hashable { case started, fired, cancelled }

    public private(set) var state: RunState
    /// Entries in order: `journal[i]` has sequence number `i + 1`.
    public private(set) var journal: [JournalEntry] = []
    /// Activities scheduled and not closed: scheduled event id by activity id.
    public private(set) var openActivities: [String: Int64] = [:]
    /// Approval timers by iteration.
    public private(set) var approvalTimers: [Int: TimerStatus] = [:]
    /// The order each scheduled activity carries out, by scheduled event id.
    private var scheduled: [Int64: OrderKey] = [:]
    /// The number of the last event folded in: the history's length.
    public private(set) var length: Int64 = 0
    /// Temporal suggested starting the workflow anew (its history grows large).
    public private(set) var continueSuggested = false
    /// A stop that waits for the model call under way to end (and keep its partial answer):
    /// recorded once that call has closed, as the embedded engine records both in one step.
    public private(set) var stopWaiting: StopRequest?
    /// Activities Temporal was already asked to stop, by scheduled event id.
    public private(set) var stopsRequested: Set<Int64> = []

    public struct StopRequest: Sendable, Hashable {
        public var reason: String?
    }

    public init(start: RunStart, configuration: LoopConfiguration) {
        state = RunState(configuration: configuration)
        record(.started(start))
    }

    /// A run continued from what earlier executions of its workflow recorded (after a
    /// continue-as-new): nothing under way, its journal so far.
    public init(recorded journal: [JournalEntry], configuration: LoopConfiguration) {
        state = RunState(configuration: configuration, journal: journal)
        self.journal = journal
    }

    /// The run's start, as its first journal entry holds it.
    public var start: RunStart? {
        guard case .started(let start) = journal.first else { return nil }
        return start
    }

    /// Folds one history event in; events that tell the loop nothing are skipped.
    public mutating func apply(_ event: Temporal_Api_History_V1_HistoryEvent) throws(TemporalError) {
        length = max(length, event.eventID)
        switch event.attributes {
        case .workflowTaskStartedEventAttributes(let attributes):
            continueSuggested = attributes.suggestContinueAsNew
        case .activityTaskScheduledEventAttributes(let attributes):
            guard let key = RunWorkflowKey.key(ofActivity: attributes.activityID) else {
                throw TemporalError(code: .badHistory, message: "event \(event.eventID) schedules activity '\(attributes.activityID.prefix(80))', not one of a run")
            }
            scheduled[event.eventID] = key
            openActivities[attributes.activityID] = event.eventID
            state.inFlight.insert(key)
        case .activityTaskCompletedEventAttributes(let attributes):
            switch try close(attributes.scheduledEventID) {
            case .model(let step):
                record(.modelResponded(step: step, response: try TemporalPayload.decode(ModelResponse.self, from: attributes.result)))
            case .tool:
                record(.toolCompleted(try TemporalPayload.decode(ToolResult.self, from: attributes.result)))
            default:
                break
            }
        case .activityTaskFailedEventAttributes(let attributes):
            failed(try close(attributes.scheduledEventID), attributes.failure)
        case .activityTaskTimedOutEventAttributes(let attributes):
            failed(try close(attributes.scheduledEventID), attributes.failure)
        case .activityTaskCanceledEventAttributes(let attributes):
            _ = try close(attributes.scheduledEventID)
        case .activityTaskCancelRequestedEventAttributes(let attributes):
            stopsRequested.insert(attributes.scheduledEventID)
        case .timerStartedEventAttributes(let attributes):
            if let step = RunWorkflowKey.step(ofApprovalTimer: attributes.timerID) { approvalTimers[step] = .started }
        case .timerFiredEventAttributes(let attributes):
            guard let step = RunWorkflowKey.step(ofApprovalTimer: attributes.timerID) else { break }
            approvalTimers[step] = .fired
            let waiting = AgentLoop.callsAwaitingApproval(state).map(\.id)
            if step == state.iterations.count, !waiting.isEmpty { record(.approvalTimedOut(callIds: waiting)) }
        case .timerCanceledEventAttributes(let attributes):
            if let step = RunWorkflowKey.step(ofApprovalTimer: attributes.timerID) { approvalTimers[step] = .cancelled }
        case .workflowExecutionSignaledEventAttributes(let attributes) where attributes.signalName == RunWorkflowKey.approvalSignal:
            let decision = try TemporalPayload.decode(ApprovalDecision.self, from: attributes.input)
            // A decision for a call that does not wait (late, or twice) changes nothing.
            if AgentLoop.callsAwaitingApproval(state).contains(where: { $0.id == decision.callId }) { record(.approvalResolved(decision)) }
        case .workflowExecutionCancelRequestedEventAttributes(let attributes):
            if !state.cancelRequested, state.outcome == nil, stopWaiting == nil {
                stopWaiting = StopRequest(reason: attributes.cause.isEmpty ? nil : attributes.cause)
            }
        default:
            break
        }
        // A stop is recorded once no model call is under way.
        if let stop = stopWaiting, openModelCalls.isEmpty {
            stopWaiting = nil
            if !state.cancelRequested, state.outcome == nil { record(.cancelRequested(reason: stop.reason)) }
        }
    }

    /// Model activities under way: activity id and scheduled event id.
    public var openModelCalls: [(id: String, scheduled: Int64)] {
        openActivities.filter { id, _ in
            if case .model = RunWorkflowKey.key(ofActivity: id) { true } else { false }
        }.map { ($0.key, $0.value) }.sorted { $0.scheduled < $1.scheduled }
    }

    /// Ends the run as failed (its agent cannot run), unless it has ended.
    public mutating func fail(_ error: RunError) {
        if state.outcome == nil { record(.finished(.failed(error))) }
    }

    /// Records an entry, then what follows from it without anything being carried out (as
    /// the embedded engine records them in the same step).
    private mutating func record(_ entry: JournalEntry) {
        journal.append(entry)
        state.apply(entry)
        for settled in AgentLoop.settledEntries(after: state) {
            journal.append(settled)
            state.apply(settled)
        }
    }

    private mutating func close(_ scheduledEventId: Int64) throws(TemporalError) -> OrderKey {
        guard let key = scheduled[scheduledEventId] else {
            throw TemporalError(code: .badHistory, message: "an activity closes that was never scheduled (event \(scheduledEventId))")
        }
        if let id = RunWorkflowKey.activityId(of: key) { openActivities[id] = nil }
        return key
    }

    /// An activity that Temporal gave up on (its retries spent, or not retryable).
    private mutating func failed(_ key: OrderKey, _ failure: Temporal_Api_Failure_V1_Failure) {
        let message = Self.innermost(failure).message
        switch key {
        case .model(let step):
            let type = failure.applicationFailureInfo.type
            let code: RunError.Code = failure.timeoutFailureInfo.timeoutType != .unspecified ? .modelTimeout : (type.isEmpty ? .modelFailed : RunError.Code(rawValue: type))
            record(.modelFailed(step: step, error: RunError(code: code, message: message.isEmpty ? "the model call failed" : message)))
        case .tool(let callId):
            let name = state.iterations.last?.response.toolCalls.first { $0.id == callId }?.name ?? "tool"
            let said = message.isEmpty ? "the tool failed" : message
            record(.toolCompleted(ToolResult(callId: callId, name: name, content: "Error: \(said)", failure: .toolError)))
        default:
            break
        }
    }

    /// The failure at the bottom of a chain (a retry-exhausted failure wraps the last attempt's).
    private static func innermost(_ failure: Temporal_Api_Failure_V1_Failure) -> Temporal_Api_Failure_V1_Failure {
        var current = failure
        while current.hasCause, !current.cause.message.isEmpty { current = current.cause }
        return current
    }
}
