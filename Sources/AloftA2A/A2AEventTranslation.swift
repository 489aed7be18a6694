import AloftCore
import Foundation

/// Turns a run's events into A2A stream updates, in order. Text deltas are artifact updates
/// of the `answer` artifact: the first delta of a model step's attempt replaces what came
/// before (`append: false`: a new step, or a retry that answers again), later ones append;
/// at completion the whole answer comes once more as the last chunk. Tool events are
/// `working` status updates whose metadata names the event (`aloft.event`, `aloft.data`); a
/// pause for approval is `input-required` with the calls (`A2AApprovals`). Every update
/// carries the event number (`aloft.seq`).
package struct A2AEventTranslation: Sendable {
    package let taskId: String
    package let contextId: String
    /// The model step and attempt whose text the `answer` artifact holds now.
    private var open: (step: JSONValue, attempt: JSONValue)?

    package init(taskId: String, contextId: String) {
        self.taskId = taskId
        self.contextId = contextId
    }

    /// Resuming after event `last` (the client's cursor): when it was a text delta, the
    /// deltas after it continue the same artifact text.
    package mutating func resume(after last: RunEvent?) {
        guard let last, last.kind == .runContent, let step = last.data["step"] else { return }
        open = (step, last.data["attempt"] ?? .number(1))
    }

    package mutating func items(for event: RunEvent) -> [A2AStreamItem] {
        var metadata: [String: JSONValue] = [A2AMetadataKey.seq: .number(Double(event.seq)), A2AMetadataKey.event: .string(event.kind.rawValue)]
        let at = Date()
        func status(_ state: A2ATaskState, message: A2AMessage? = nil, withData: Bool = false) -> A2AStreamItem {
            if withData { metadata[A2AMetadataKey.data] = event.data }
            return .status(
                taskId: taskId, contextId: contextId, status: A2ATaskStatus(state: state, message: message, timestamp: at),
                final: state.isTerminal || state.isInterrupted, metadata: metadata
            )
        }
        switch event.kind {
        case .runContent:
            guard let delta = event.data["delta"]?.stringValue, let step = event.data["step"] else { return [] }
            let attempt = event.data["attempt"] ?? .number(1)
            let append = open.map { $0.step == step && $0.attempt == attempt } ?? false
            open = (step, attempt)
            return [
                .artifact(
                    taskId: taskId, contextId: contextId,
                    artifact: A2AArtifact(artifactId: A2ATaskProjection.answerArtifactId, name: "answer", parts: [.text(delta)]),
                    append: append, lastChunk: false, metadata: metadata
                )
            ]
        case .runContentReset:
            open = nil
            return [status(.working, withData: true)]
        case .runStarted, .runResumed, .toolCallRequested, .toolCallStarted, .toolCallCompleted, .toolCallProgress:
            return [status(.working, withData: true)]
        case .runPaused:
            let calls: [ToolCall] = (event.data["tool_calls"]?.arrayValue ?? []).compactMap { item in
                guard let id = item["id"]?.stringValue, let name = item["name"]?.stringValue else { return nil }
                return ToolCall(id: id, name: name, arguments: item["arguments"]?.stringValue ?? "{}")
            }
            let message = A2AApprovals.request(runId: taskId, contextId: contextId, calls: calls, deadlines: [])
            return [status(.inputRequired, message: message)]
        case .runCompleted:
            var items: [A2AStreamItem] = []
            if let answer = event.data["answer"]?.stringValue {
                items.append(
                    .artifact(
                        taskId: taskId, contextId: contextId,
                        artifact: A2AArtifact(artifactId: A2ATaskProjection.answerArtifactId, name: "answer", parts: [.text(answer)]),
                        append: false, lastChunk: true, metadata: metadata
                    )
                )
            }
            if let usage = event.data["usage"] { metadata["aloft.usage"] = usage }
            items.append(status(.completed))
            return items
        case .runCancelled:
            let reason = event.data["reason"]?.stringValue
            return [status(.canceled, message: reason.map { agentMessage("\(taskId)-cancelled", [.text("cancelled: \($0)")]) })]
        case .runFailed:
            let text = event.data["message"]?.stringValue ?? "the run failed"
            return [status(.failed, message: agentMessage("\(taskId)-error", [.text(text), .data(event.data)]))]
        }
    }

    private func agentMessage(_ id: String, _ parts: [A2APart]) -> A2AMessage {
        A2AMessage(messageId: id, role: .agent, parts: parts, contextId: contextId, taskId: taskId)
    }
}
