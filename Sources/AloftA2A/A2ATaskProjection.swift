import AloftCore
import Foundation

/// An Aloft run seen as an A2A task: the task id is the run id, the context id its session,
/// the state its phase; the history is the run's user message and the agent's answers, the
/// artifact (`answer`) its output; a run waiting for approval is `input-required`, its status
/// message listing the pending tool calls as a data part (`A2AApprovals`).
package enum A2ATaskProjection {
    /// The artifact id of a run's answer, streamed and final.
    package static let answerArtifactId = "answer"

    package static func state(of phase: RunPhase) -> A2ATaskState {
        switch phase {
        case .pending: .submitted
        case .running: .working
        case .waitingForApproval: .inputRequired
        case .completed: .completed
        case .failed: .failed
        case .cancelled: .canceled
        }
    }

    /// The task for a run. `messages` are the run's (nil: no history wanted); `historyLength`
    /// keeps the most recent ones.
    package static func task(
        run: Run, messages: [Message]?, approvals: [PendingApproval], historyLength: Int? = nil, includeArtifacts: Bool = true
    ) -> A2ATask {
        var history = (messages ?? []).compactMap { message(from: $0, run: run) }
        if let historyLength { history = Array(history.suffix(historyLength)) }
        var artifacts: [A2AArtifact] = []
        if includeArtifacts, let output = run.output, !output.isEmpty {
            artifacts.append(A2AArtifact(artifactId: answerArtifactId, name: "answer", parts: [.text(output)]))
        }
        return A2ATask(
            id: run.id, contextId: run.sessionId, status: status(of: run, approvals: approvals), artifacts: artifacts, history: history,
            metadata: [A2AMetadataKey.seq: .number(Double(run.eventSeq))]
        )
    }

    package static func status(of run: Run, approvals: [PendingApproval]) -> A2ATaskStatus {
        let state = state(of: run.phase)
        var message: A2AMessage?
        switch run.phase {
        case .waitingForApproval:
            message = A2AApprovals.request(
                runId: run.id, contextId: run.sessionId, calls: approvals.map(\.call), deadlines: approvals.map(\.deadline)
            )
        case .failed:
            if let error = run.error {
                message = agentMessage(
                    "\(run.id)-error", run: run,
                    parts: [.text(error.message), .data(["code": .string(error.code.rawValue), "message": .string(error.message)])]
                )
            }
        default:
            break
        }
        return A2ATaskStatus(state: state, message: message, timestamp: run.updatedAt)
    }

    /// A stored message as A2A history: the user's input, and what the agent said. Tool
    /// calls and results are the agent's own business: they stay out of the history.
    package static func message(from message: Message, run: Run) -> A2AMessage? {
        switch message.role {
        case .user:
            var result = A2AMessage(
                messageId: run.metadata[A2AMetadataKey.runMessageId] ?? "\(run.id)-\(message.position)", role: .user, parts: [.text(message.content)]
            )
            result.contextId = run.sessionId
            result.taskId = run.id
            return result
        case .assistant:
            guard !message.content.isEmpty else { return nil }
            return agentMessage("\(run.id)-\(message.position)", run: run, parts: [.text(message.content)])
        default:
            return nil
        }
    }

    package static func agentMessage(_ id: String, run: Run, parts: [A2APart]) -> A2AMessage {
        A2AMessage(messageId: id, role: .agent, parts: parts, contextId: run.sessionId, taskId: run.id)
    }
}
