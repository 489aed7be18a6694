/// Journal entries are stored as JSON objects with a `type` field, readable by people and by
/// other languages (`{"type":"tool_completed","result":{…}}`), never Swift's `_0` keys.
extension JournalEntry {
    enum CodingKeys: String, CodingKey {
        case type, start, step, response, error, result, decision, reason, outcome
        case callIds = "call_ids"
    }

    /// The stable name of each kind of entry.
    public var typeName: String {
        switch self {
        case .started: "started"
        case .modelResponded: "model_responded"
        case .modelFailed: "model_failed"
        case .toolCompleted: "tool_completed"
        case .approvalResolved: "approval_resolved"
        case .approvalTimedOut: "approval_timed_out"
        case .cancelRequested: "cancel_requested"
        case .finished: "finished"
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decode(String.self, forKey: .type)
        switch type {
        case "started": self = .started(try c.decode(RunStart.self, forKey: .start))
        case "model_responded":
            self = .modelResponded(step: try c.decode(Int.self, forKey: .step), response: try c.decode(ModelResponse.self, forKey: .response))
        case "model_failed":
            self = .modelFailed(step: try c.decode(Int.self, forKey: .step), error: try c.decode(RunError.self, forKey: .error))
        case "tool_completed": self = .toolCompleted(try c.decode(ToolResult.self, forKey: .result))
        case "approval_resolved": self = .approvalResolved(try c.decode(ApprovalDecision.self, forKey: .decision))
        case "approval_timed_out": self = .approvalTimedOut(callIds: try c.decode([String].self, forKey: .callIds))
        case "cancel_requested": self = .cancelRequested(reason: try c.decodeIfPresent(String.self, forKey: .reason))
        case "finished": self = .finished(try c.decode(RunOutcome.self, forKey: .outcome))
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown journal entry type '\(type)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(typeName, forKey: .type)
        switch self {
        case .started(let start): try c.encode(start, forKey: .start)
        case .modelResponded(let step, let response):
            try c.encode(step, forKey: .step)
            try c.encode(response, forKey: .response)
        case .modelFailed(let step, let error):
            try c.encode(step, forKey: .step)
            try c.encode(error, forKey: .error)
        case .toolCompleted(let result): try c.encode(result, forKey: .result)
        case .approvalResolved(let decision): try c.encode(decision, forKey: .decision)
        case .approvalTimedOut(let callIds): try c.encode(callIds, forKey: .callIds)
        case .cancelRequested(let reason): try c.encodeIfPresent(reason, forKey: .reason)
        case .finished(let outcome): try c.encode(outcome, forKey: .outcome)
        }
    }
}

extension RunOutcome {
    enum CodingKeys: String, CodingKey { case phase, answer, error, reason }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(RunPhase.self, forKey: .phase) {
        case .completed: self = .completed(answer: try c.decode(String.self, forKey: .answer))
        case .failed: self = .failed(try c.decode(RunError.self, forKey: .error))
        case .cancelled: self = .cancelled(reason: try c.decodeIfPresent(String.self, forKey: .reason))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .phase, in: c, debugDescription: "'\(other.rawValue)' is not a terminal phase")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(phase, forKey: .phase)
        switch self {
        case .completed(let answer): try c.encode(answer, forKey: .answer)
        case .failed(let error): try c.encode(error, forKey: .error)
        case .cancelled(let reason): try c.encodeIfPresent(reason, forKey: .reason)
        }
    }
}

extension RunStart {
    enum CodingKeys: String, CodingKey {
        case runId = "run_id"
        case sessionId = "session_id"
        case agent
        case agentVersion = "agent_version"
        case context
        case historyFrom = "history_from"
        case sessionUsage = "session_usage"
        case prices
    }
}

extension ToolResult {
    enum CodingKeys: String, CodingKey {
        case callId = "call_id"
        case name, content, failure, usage
    }
}

extension ApprovalDecision {
    enum CodingKeys: String, CodingKey {
        case callId = "call_id"
        case decidedBy = "decided_by"
        case approved, reason
    }
}
