/// What a run emits, in order. `seq` numbers a run's events from 1, only rising, never given
/// to two different events (not even across a crash): a client that reconnects with the last
/// number it saw gets exactly the rest. Numbers may skip (after a restart they jump past any
/// number the previous process could have used).
public struct RunEvent: Sendable, Hashable, Codable {
    /// The kinds of run event.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case runStarted = "run_started"
        case runContent = "run_content"
        /// Drop the text received so far for a model step (`step`): it is being answered
        /// again (`attempt`), after a retry or a restart.
        case runContentReset = "run_content_reset"
        /// The model asked for a tool call that needs a person's approval: it does not run
        /// until approved (then `tool_call_started` follows; a denial ends in `tool_call_completed`).
        case toolCallRequested = "tool_call_requested"
        case toolCallStarted = "tool_call_started"
        case toolCallCompleted = "tool_call_completed"
        /// Text a tool produced while it works (a remote agent's streamed answer), before its
        /// result: `tool_call_id`, `name`, `delta`.
        case toolCallProgress = "tool_call_progress"
        case runPaused = "run_paused"
        case runResumed = "run_resumed"
        case runCompleted = "run_completed"
        case runCancelled = "run_cancelled"
        case runFailed = "run_failed"

        /// After a terminal event the run emits nothing more.
        public var isTerminal: Bool {
            self == .runCompleted || self == .runCancelled || self == .runFailed
        }
    }

    public var runId: String
    public var seq: Int
    public var kind: Kind
    /// Kind-specific fields (`delta` for content, `tool_call` for tool events, …).
    public var data: JSONValue

    public init(runId: String, seq: Int, kind: Kind, data: JSONValue = [:]) {
        self.runId = runId
        self.seq = seq
        self.kind = kind
        self.data = data
    }

    enum CodingKeys: String, CodingKey {
        case runId = "run_id"
        case seq
        case kind = "type"
        case data
    }
}

/// An event before it is numbered.
public struct RunEventDraft: Sendable, Hashable {
    public var kind: RunEvent.Kind
    public var data: JSONValue

    public init(_ kind: RunEvent.Kind, _ data: JSONValue = [:]) {
        self.kind = kind
        self.data = data
    }
}

extension RunEventDraft {
    /// The events a newly recorded journal entry causes, given the state after it.
    /// Text deltas are not here: they are streamed live as the model produces them.
    public static func events(for entry: JournalEntry, after state: RunState) -> [RunEventDraft] {
        switch entry {
        case .started(let start):
            return [RunEventDraft(.runStarted, ["session_id": .string(start.sessionId), "agent": .string(start.agent)])]
        case .modelResponded(_, let response):
            // A call that waits for a person is requested, not started: a UI must not show it running.
            let gated = Set(state.configuration.policies.requireApproval)
            return response.toolCalls.map { call in
                RunEventDraft(gated.contains(call.name) ? .toolCallRequested : .toolCallStarted, ["tool_call": call.json])
            }
        case .toolCompleted(let result):
            var data: [String: JSONValue] = [
                "tool_call_id": .string(result.callId), "name": .string(result.name), "content": .string(result.content),
                "is_error": .bool(result.isError),
            ]
            if let failure = result.failure { data["failure"] = .string(failure.rawValue) }
            return [RunEventDraft(.toolCallCompleted, .object(data))]
        case .approvalResolved(let decision):
            var data: [String: JSONValue] = ["tool_call_id": .string(decision.callId), "approved": .bool(decision.approved)]
            if let decidedBy = decision.decidedBy { data["decided_by"] = .string(decidedBy) }
            var drafts = [RunEventDraft(.runResumed, .object(data))]
            if decision.approved, let call = state.iterations.last?.response.toolCalls.first(where: { $0.id == decision.callId }) {
                drafts.append(RunEventDraft(.toolCallStarted, ["tool_call": call.json]))
            }
            return drafts
        case .approvalTimedOut(let callIds):
            return [RunEventDraft(.runResumed, ["tool_call_ids": .array(callIds.map(JSONValue.string)), "approved": false])]
        case .modelFailed, .cancelRequested:
            return []
        case .finished(let outcome):
            switch outcome {
            case .completed(let answer):
                return [
                    RunEventDraft(
                        .runCompleted,
                        [
                            "answer": .string(answer),
                            "usage": [
                                "input_tokens": .number(Double(state.usage.inputTokens)),
                                "output_tokens": .number(Double(state.usage.outputTokens)),
                            ],
                            "iterations": .number(Double(state.iterations.count)),
                        ]
                    )
                ]
            case .failed(let error):
                return [RunEventDraft(.runFailed, ["code": .string(error.code.rawValue), "message": .string(error.message)])]
            case .cancelled(let reason):
                return [RunEventDraft(.runCancelled, reason.map { ["reason": .string($0)] } ?? [:])]
            }
        }
    }

    /// A piece of the answer of model step `step`, attempt `attempt`.
    public static func content(_ delta: String, step: Int, attempt: Int) -> RunEventDraft {
        RunEventDraft(.runContent, ["delta": .string(delta), "step": .number(Double(step)), "attempt": .number(Double(attempt))])
    }

    /// Clients drop the text of model step `step` received so far: attempt `attempt` answers again.
    public static func contentReset(step: Int, attempt: Int) -> RunEventDraft {
        RunEventDraft(.runContentReset, ["step": .number(Double(step)), "attempt": .number(Double(attempt))])
    }

    /// A piece of text tool call `callId` (`name`) produced while it works.
    public static func toolProgress(_ delta: String, callId: String, name: String) -> RunEventDraft {
        RunEventDraft(.toolCallProgress, ["tool_call_id": .string(callId), "name": .string(name), "delta": .string(delta)])
    }

    /// The event of a run pausing for approval of these calls.
    public static func paused(for calls: [ToolCall]) -> RunEventDraft {
        RunEventDraft(.runPaused, ["tool_calls": .array(calls.map(\.json))])
    }
}

extension ToolCall {
    /// The call as a JSON object for events and output.
    public var json: JSONValue {
        ["id": .string(id), "name": .string(name), "arguments": .string(arguments)]
    }
}
