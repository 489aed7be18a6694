import Foundation

/// What an external runner reports about a run it carries out (the gRPC API's
/// UpdateStatus), and what recording it writes: the messages appended at the session's next
/// positions, tool calls started and finished, usage, output and error, a phase that only
/// moves forward — each change an event, so every subscriber sees it. Pure: the engine reads
/// the run and commits the write.
public struct ExternalRunReport: Sendable, Hashable {
    public struct ReportedMessage: Sendable, Hashable {
        public var role: Role
        public var content: String
        public var toolCallId: String?

        public init(role: Role, content: String, toolCallId: String? = nil) {
            self.role = role
            self.content = content
            self.toolCallId = toolCallId
        }
    }

    public struct ReportedToolCall: Sendable, Hashable {
        public enum State: String, Sendable, Hashable {
            case running, succeeded, failed, denied
        }

        public var call: ToolCall
        public var state: State
        public var result: String?

        public init(call: ToolCall, state: State, result: String? = nil) {
            self.call = call
            self.state = state
            self.result = result
        }
    }

    public var phase: RunPhase?
    public var messages: [ReportedMessage]
    public var toolCalls: [ReportedToolCall]
    public var usage: Usage?
    public var output: String?
    public var error: RunError?
    /// Why it was stopped (phase CANCELLED).
    public var reason: String?

    public init(
        phase: RunPhase? = nil, messages: [ReportedMessage] = [], toolCalls: [ReportedToolCall] = [], usage: Usage? = nil, output: String? = nil,
        error: RunError? = nil, reason: String? = nil
    ) {
        self.reason = reason
        self.phase = phase
        self.messages = messages
        self.toolCalls = toolCalls
        self.usage = usage
        self.output = output
        self.error = error
    }

    /// Why a report cannot be recorded, with a stable code.
    public struct Refusal: Error, Sendable, Hashable {
        public var field: String
        public var message: String
    }

    /// The write that records the report on `run`, whose session's next message goes at
    /// `nextPosition`, with `known` the messages the run has so far. A refusal when the run
    /// is finished, the phase would go back, or a tool call's result names no call.
    public func write(on run: Run, known: [Message], nextPosition: Int, at now: Date) throws(Refusal) -> StepWrite {
        guard !run.phase.isTerminal else {
            throw Refusal(field: "id", message: "the execution is \(run.phase.rawValue): a finished execution never changes")
        }
        if let phase, Self.rank(phase) < Self.rank(run.phase) {
            throw Refusal(field: "status.phase", message: "cannot go from \(run.phase.rawValue) back to \(phase.rawValue)")
        }
        if phase == .failed, error == nil {
            throw Refusal(field: "status.error", message: "is required with phase FAILED: a code and a message saying what went wrong")
        }
        var updated = run
        var write = StepWrite(runId: run.id)
        var drafts: [RunEventDraft] = []
        var position = nextPosition
        var steps = known.filter { $0.role == .assistant }.count
        let knownCalls = Set(known.flatMap { $0.toolCalls.map(\.id) })
        let answered = Set(known.compactMap(\.toolCallId))
        func append(_ role: Role, _ content: String, calls: [ToolCall] = [], callId: String? = nil, name: String? = nil, error: String? = nil) {
            write.messages.append(
                Message(
                    sessionId: run.sessionId, runId: run.id, position: position, role: role, content: content, toolCalls: calls, toolCallId: callId,
                    toolName: name, createdAt: now, completedAt: now, error: error
                )
            )
            position += 1
        }
        if run.phase == .pending, phase != nil || !messages.isEmpty || !toolCalls.isEmpty {
            updated.phase = .running
        }
        for message in messages {
            switch message.role {
            case .assistant:
                steps += 1
                append(.assistant, message.content)
                drafts.append(RunEventDraft.content(message.content, step: steps, attempt: 1))
            case .tool:
                guard let callId = message.toolCallId, knownCalls.contains(callId) || toolCalls.contains(where: { $0.call.id == callId }) else {
                    throw Refusal(field: "status.messages", message: "a tool message needs the tool_call_id of one of the execution's tool calls")
                }
                append(.tool, message.content, callId: callId)
            case .user, .system:
                append(message.role, message.content)
            }
        }
        var started = Set<String>()
        for reported in toolCalls {
            let id = reported.call.id
            if !knownCalls.contains(id), !started.contains(id) {
                steps += 1
                append(.assistant, "", calls: [reported.call])
                drafts.append(RunEventDraft(.toolCallStarted, ["tool_call": reported.call.json]))
                started.insert(id)
            }
            guard reported.state != .running, !answered.contains(id) else { continue }
            let failure: ToolResult.Failure? =
                switch reported.state {
                case .running, .succeeded: nil
                case .failed: .toolError
                case .denied: .denied
                }
            let content = reported.result ?? ""
            append(.tool, content, callId: id, name: reported.call.name, error: failure?.rawValue)
            var data: [String: JSONValue] = [
                "tool_call_id": .string(id), "name": .string(reported.call.name), "content": .string(content), "is_error": .bool(failure != nil),
            ]
            if let failure { data["failure"] = .string(failure.rawValue) }
            drafts.append(RunEventDraft(.toolCallCompleted, .object(data)))
        }
        updated.iterations = steps
        if let usage { updated.usage = usage }
        if let output { updated.output = output }
        if let error { updated.error = error }
        if let phase, phase != updated.phase {
            if updated.phase == .waitingForApproval { drafts.append(RunEventDraft(.runResumed)) }
            switch phase {
            case .waitingForApproval: drafts.append(RunEventDraft.paused(for: []))
            case .completed:
                let usage = updated.usage
                drafts.append(
                    RunEventDraft(
                        .runCompleted,
                        [
                            "answer": .string(updated.output ?? ""),
                            "usage": ["input_tokens": .number(Double(usage.inputTokens)), "output_tokens": .number(Double(usage.outputTokens))],
                            "iterations": .number(Double(steps)),
                        ]
                    )
                )
            case .failed: drafts.append(RunEventDraft(.runFailed, ["code": .string(error?.code.rawValue ?? ""), "message": .string(error?.message ?? "")]))
            case .cancelled: drafts.append(RunEventDraft(.runCancelled, ["reason": .string(reason ?? error?.message ?? "stopped by its runner")]))
            case .pending, .running: break
            }
            updated.phase = phase
        }
        if updated.phase.isTerminal {
            updated.finishedAt = now
            write.sessionActiveRun = (run.sessionId, nil)
        }
        updated.updatedAt = now
        write.events = drafts.enumerated().map { RunEvent(runId: run.id, seq: run.eventSeq + $0.offset + 1, kind: $0.element.kind, data: $0.element.data) }
        updated.eventSeq = run.eventSeq + drafts.count
        write.run = updated
        return write
    }

    /// Phases only move forward: pending, then running or waiting (back and forth), then an end.
    static func rank(_ phase: RunPhase) -> Int {
        switch phase {
        case .pending: 0
        case .running, .waitingForApproval: 1
        case .completed, .failed, .cancelled: 2
        }
    }
}
