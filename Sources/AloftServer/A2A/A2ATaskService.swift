import AloftA2A
import AloftCore
import AloftEngine
import Foundation

/// The A2A operations of one agent's endpoint, on the engine (embedded or Temporal: the same
/// calls). A task is a run of this agent; runs of other agents are not found here.
struct A2ATaskService: Sendable {
    let engine: LocalEngine
    let agent: AgentDefinition
    let format: A2AWireFormat
    /// Who decides approvals sent in this request, for the record.
    let decidedBy: String
    /// Push notifications, when the server offers them.
    let push: A2APushDelivery?

    /// What a streaming call sends: the task first, then the run's events after `after`.
    struct StreamPlan: Sendable {
        var task: A2ATask
        var after: Int
        var translation: A2AEventTranslation
        /// False when the task has nothing more to tell (it ended or waits, and the client has
        /// seen every event): the stream closes after the task.
        var followsEvents = true
    }

    // MARK: - Send

    /// Where a send leaves things: the run it started or continued, and the event number the
    /// client's view starts after (0 for a new task: the whole story).
    private struct Sent {
        var run: Run
        var after: Int
        /// The client answered the task: `run` is as it was before, and what comes next is news.
        var answered = false
    }

    /// `SendMessage` / `message/send`: blocking (until the task ends or needs input) unless
    /// the client asks to return at once.
    func send(_ params: [String: JSONValue]) async throws -> JSONValue {
        let configuration = try self.configuration(params)
        let sent = try await start(params)
        try await keepPushConfig(configuration, for: sent)
        var run = sent.run
        if configuration.blocking, sent.answered || !Self.settled(run.phase) {
            run = try await settle(runId: run.id, after: run.eventSeq) ?? run
        }
        return format.sendResult(try await task(run, historyLength: configuration.historyLength))
    }

    /// `SendStreamingMessage` / `message/stream`.
    func stream(_ params: [String: JSONValue]) async throws -> StreamPlan {
        let configuration = try configuration(params)
        let sent = try await start(params)
        try await keepPushConfig(configuration, for: sent)
        var task = try await task(sent.run, historyLength: nil)
        if sent.answered {
            // The decisions are recorded; the run takes them up at once.
            task.status = A2ATaskStatus(state: .working, message: nil, timestamp: Date())
        }
        return StreamPlan(task: task, after: sent.after, translation: A2AEventTranslation(taskId: task.id, contextId: task.contextId))
    }

    private struct SendConfiguration {
        var blocking = true
        var historyLength: Int?
        /// Where to push the task's updates (its task id filled in once it exists).
        var push: A2APushConfig?
        var pushField = ""
    }

    /// Keeps the push config a send carried, for the task it started (not for an answer).
    private func keepPushConfig(_ configuration: SendConfiguration, for sent: Sent) async throws {
        guard let config = configuration.push, !sent.answered else { return }
        _ = try await store(config, for: sent.run, field: configuration.pushField + "url")
    }

    private func configuration(_ params: [String: JSONValue]) throws -> SendConfiguration {
        var result = SendConfiguration()
        guard let value = params["configuration"], value != .null else { return result }
        guard case .object(let object) = value else { throw A2AError.invalidParams("configuration", "must be an object") }
        switch format.version {
        case .v0_3:
            if let blocking = object["blocking"], blocking != .null {
                guard case .bool(let flag) = blocking else { throw A2AError.invalidParams("configuration.blocking", "must be true or false") }
                result.blocking = flag
            }
        case .v1_0:
            if let immediately = object["returnImmediately"], immediately != .null {
                guard case .bool(let flag) = immediately else {
                    throw A2AError.invalidParams("configuration.returnImmediately", "must be true or false")
                }
                result.blocking = !flag
            }
        }
        result.historyLength = try Self.historyLength(object["historyLength"], field: "configuration.historyLength")
        let pushKey = format.version == .v0_3 ? "pushNotificationConfig" : "taskPushNotificationConfig"
        if let value = object[pushKey], value != .null {
            guard self.push != nil else { throw A2AError.pushNotificationNotSupported("push notifications are not offered by this server") }
            guard case .object(let fields) = value else { throw A2AError.invalidParams("configuration.\(pushKey)", "must be an object") }
            result.push = try format.decodePushConfig(fields, taskId: "", field: "configuration.\(pushKey).")
            result.pushField = "configuration.\(pushKey)."
        }
        return result
    }

    /// Starts the task a new message asks for, or gives an existing task (`taskId`) the input
    /// it waits for.
    private func start(_ params: [String: JSONValue]) async throws -> Sent {
        let message = try format.decodeMessage(params["message"])
        guard message.role == .user else { throw A2AError.invalidParams("message.role", "must be the user's: agents do not send messages here") }
        if let taskId = message.taskId { return try await answer(taskId: taskId, with: message) }
        var input: [String] = []
        for (index, part) in message.parts.enumerated() {
            switch part {
            case .text(let text): input.append(text)
            case .data(let data): input.append(data.jsonText())
            case .file:
                throw A2AError.contentTypeNotSupported("message.parts[\(index)]: this agent takes text and data parts, not files; send the content as text")
            }
        }
        let text = input.joined(separator: "\n")
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw A2AError.invalidParams("message.parts", "hold no text; say what the agent should do")
        }
        var request = StartRunRequest(
            agent: agent, input: text, metadata: [A2AMetadataKey.runMessageId: message.messageId],
            runId: A2ATaskIdentity.runId(agent: agent.name, messageId: message.messageId)
        )
        if let contextId = message.contextId {
            if let session = try await engine.reader.session(id: contextId) {
                guard session.agent == agent.name else {
                    throw A2AError.invalidParams("message.contextId", "context \(contextId) belongs to another agent; start a new context")
                }
                request.sessionId = contextId
            } else {
                request.newSessionId = contextId
            }
        }
        do {
            let run = try await engine.start(request)
            return Sent(run: run, after: 0)
        } catch let error as EngineError {
            switch error.code {
            case .sessionBusy:
                throw A2AError.unsupportedOperation(
                    "context \(message.contextId ?? "?") has a task in progress: \(error.message). Answer or cancel that task first"
                )
            case .invalidInput: throw A2AError.invalidParams("message.parts", error.message)
            case .sessionAgentMismatch: throw A2AError.invalidParams("message.contextId", error.message)
            default: throw error
            }
        }
    }

    /// A message on an existing task: the decisions a task waiting for approval asks for.
    private func answer(taskId: String, with message: A2AMessage) async throws -> Sent {
        let run = try await ownRun(taskId)
        if let contextId = message.contextId, contextId != run.sessionId {
            throw A2AError.invalidParams("message.contextId", "task \(taskId) belongs to context \(run.sessionId), not \(contextId)")
        }
        switch run.phase {
        case .waitingForApproval:
            let pending = try await engine.reader.pendingApprovals(runId: run.id).map(\.call.id)
            let decisions = try A2AApprovals.decisions(in: message, pending: pending, decidedBy: decidedBy)
            for decision in decisions {
                do {
                    try await engine.resolveApproval(runId: run.id, decision: decision)
                } catch let error as EngineError where error.code == .notAwaitingApproval || error.code == .approvalDeadlinePassed {
                    throw A2AError.invalidParams("message.parts", error.message)
                }
            }
            return Sent(run: run, after: run.eventSeq, answered: true)
        case .pending, .running:
            throw A2AError.unsupportedOperation("task \(taskId) is working and takes no input now; wait until it asks for input or ends")
        case .completed, .failed, .cancelled:
            throw A2AError.unsupportedOperation(
                "task \(taskId) has ended (\(A2ATaskProjection.state(of: run.phase).v0_3)); send a new message with contextId \(run.sessionId) to continue the conversation"
            )
        }
    }

    // MARK: - Get, list, cancel, subscribe

    func get(_ params: [String: JSONValue]) async throws -> JSONValue {
        let id = try Self.taskId(params)
        let historyLength = try Self.historyLength(params["historyLength"], field: "historyLength")
        return format.task(try await task(try await ownRun(id), historyLength: historyLength))
    }

    /// `ListTasks` (1.0): newest first, by context and state, paged by `pageToken`.
    func list(_ params: [String: JSONValue]) async throws -> JSONValue {
        var pageSize = 50
        if let value = params["pageSize"], value != .null {
            guard let size = value.integer(in: 1...100) else { throw A2AError.invalidParams("pageSize", "must be an integer from 1 to 100") }
            pageSize = size
        }
        var phase: RunPhase?
        var noMatch = false
        if let value = params["status"], value != .null, value != .string("TASK_STATE_UNSPECIFIED") {
            guard let name = value.stringValue, let state = A2ATaskState(name: name) else {
                throw A2AError.invalidParams("status", "must be a task state such as TASK_STATE_WORKING")
            }
            switch state {
            case .submitted: phase = .pending
            case .working: phase = .running
            case .inputRequired: phase = .waitingForApproval
            case .completed: phase = .completed
            case .failed: phase = .failed
            case .canceled: phase = .cancelled
            case .rejected, .authRequired: noMatch = true
            }
        }
        let contextId = try format.optionalIdentifier(params["contextId"], field: "contextId")
        let cursor = try format.optionalIdentifier(params["pageToken"], field: "pageToken")
        if let cursor, try await engine.reader.run(id: cursor)?.agent != agent.name {
            throw A2AError.invalidParams("pageToken", "is not a page token of this agent's tasks; pass the nextPageToken of the previous page")
        }
        let historyLength = try Self.historyLength(params["historyLength"], field: "historyLength")
        var includeArtifacts = false
        if let value = params["includeArtifacts"], value != .null {
            guard case .bool(let flag) = value else { throw A2AError.invalidParams("includeArtifacts", "must be true or false") }
            includeArtifacts = flag
        }
        var after: Date?
        if let value = params["statusTimestampAfter"], value != .null {
            guard let text = value.stringValue, let date = try? Date(text, strategy: .iso8601) else {
                throw A2AError.invalidParams("statusTimestampAfter", "must be an RFC 3339 time such as 2026-01-01T00:00:00Z")
            }
            after = date
        }
        let runs =
            noMatch
            ? []
            : try await engine.reader.runs(RunQuery(phase: phase, agent: agent.name, sessionId: contextId, before: cursor, limit: pageSize + 1))
        let page = Array(runs.prefix(pageSize))
        var tasks: [JSONValue] = []
        for run in page where after.map({ run.updatedAt > $0 }) ?? true {
            let messages = (historyLength ?? 0) > 0 ? try await engine.reader.messages(runId: run.id) : nil
            let approvals = run.phase == .waitingForApproval ? try await engine.reader.pendingApprovals(runId: run.id) : []
            tasks.append(
                format.task(
                    A2ATaskProjection.task(
                        run: run, messages: messages, approvals: approvals, historyLength: historyLength, includeArtifacts: includeArtifacts
                    )
                )
            )
        }
        var result: [String: JSONValue] = ["tasks": .array(tasks), "pageSize": .number(Double(pageSize))]
        if runs.count > pageSize, let last = page.last { result["nextPageToken"] = .string(last.id) }
        return .object(result)
    }

    /// Cancelling: the run is asked to stop and, for a few seconds, followed until it has; a
    /// task already cancelled is answered as it is (cancelling is idempotent), one that
    /// completed or failed is `-32002`.
    func cancel(_ params: [String: JSONValue]) async throws -> JSONValue {
        let id = try Self.taskId(params)
        var run = try await ownRun(id)
        if run.phase == .completed || run.phase == .failed {
            throw A2AError.taskNotCancelable(id, state: A2ATaskProjection.state(of: run.phase).v0_3)
        }
        if run.phase != .cancelled {
            do {
                try await engine.cancel(runId: id, reason: "cancelled over A2A")
            } catch let error as EngineError where error.code == .runFinished {
                run = try await ownRun(id)
                if run.phase != .cancelled { throw A2AError.taskNotCancelable(id, state: A2ATaskProjection.state(of: run.phase).v0_3) }
            }
            run = try await settle(runId: id, after: run.eventSeq, terminalOnly: true, within: .seconds(10)) ?? run
        }
        return format.task(try await task(run, historyLength: nil))
    }

    /// `SubscribeToTask` / `tasks/resubscribe`: the task as it is now, then what happens next —
    /// or, given the last event number the client saw (`aloft.last_seq` in the request's
    /// metadata, or `Last-Event-ID`), every event after it first.
    func subscribe(_ params: [String: JSONValue], lastEventId: String?) async throws -> StreamPlan {
        let id = try Self.taskId(params)
        let run = try await ownRun(id)
        var after = run.eventSeq
        if let value = params["metadata"]?[A2AMetadataKey.lastSeq], value != .null {
            guard let seq = value.integer(in: 0...Int.max) else {
                throw A2AError.invalidParams("metadata.\(A2AMetadataKey.lastSeq)", "must be a non-negative event number")
            }
            after = seq
        } else if let header = lastEventId {
            guard let seq = Int(header.trimmingCharacters(in: .whitespaces)), seq >= 0 else {
                throw A2AError.invalidParams("Last-Event-ID", "must be a non-negative event number")
            }
            after = seq
        }
        let task = try await task(run, historyLength: nil)
        var translation = A2AEventTranslation(taskId: task.id, contextId: task.contextId)
        if after > 0, after < run.eventSeq {
            // A cursor inside a streamed answer: the deltas after it continue that text.
            translation.resume(after: try await engine.reader.events(runId: id, after: after - 1, before: after + 1, limit: 1).last)
        }
        return StreamPlan(
            task: task, after: after, translation: translation, followsEvents: !(Self.settled(run.phase) && after >= run.eventSeq)
        )
    }

    // MARK: - Helpers

    /// This agent's run `id`, or task not found.
    func ownRun(_ id: String) async throws -> Run {
        guard let run = try await engine.reader.run(id: id), run.agent == agent.name else { throw A2AError.taskNotFound(id) }
        return run
    }

    private func task(_ run: Run, historyLength: Int?) async throws -> A2ATask {
        let messages = historyLength == 0 ? nil : try await engine.reader.messages(runId: run.id)
        let approvals = run.phase == .waitingForApproval ? try await engine.reader.pendingApprovals(runId: run.id) : []
        return A2ATaskProjection.task(run: run, messages: messages, approvals: approvals, historyLength: historyLength)
    }

    /// Where a blocking call returns: the task ended or waits for input.
    private static func settled(_ phase: RunPhase) -> Bool { phase.isTerminal || phase == .waitingForApproval }

    /// Follows the run's events after `after` until it ends (or, unless `terminalOnly`, pauses
    /// for input), then reads it. Nil when `within` passed first.
    private func settle(runId: String, after: Int, terminalOnly: Bool = false, within: Duration? = nil) async throws -> Run? {
        let engine = self.engine
        let follow: @Sendable () async throws -> Void = {
            for try await event in try await engine.events(runId: runId, after: after) {
                if event.kind.isTerminal || (!terminalOnly && event.kind == .runPaused) { break }
            }
        }
        if let within {
            let reached = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await follow()
                    return true
                }
                group.addTask {
                    try await Task.sleep(for: within)
                    return false
                }
                let first = try await group.next() ?? false
                group.cancelAll()
                return first
            }
            if !reached { return nil }
        } else {
            try await follow()
        }
        return try await engine.reader.run(id: runId)
    }

    static func taskId(_ params: [String: JSONValue]) throws -> String {
        guard case .string(let id)? = params["id"], !id.isEmpty else { throw A2AError.invalidParams("id", "is required: the task's id") }
        guard id.utf8.count <= 200 else { throw A2AError.invalidParams("id", "must be at most 200 bytes") }
        return id
    }

    static func historyLength(_ value: JSONValue?, field: String) throws -> Int? {
        guard let value, value != .null else { return nil }
        guard let count = value.integer(in: 0...10_000) else { throw A2AError.invalidParams(field, "must be an integer from 0 to 10000") }
        return count
    }
}
