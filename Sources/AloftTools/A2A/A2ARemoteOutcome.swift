import AloftA2A
import AloftCore

/// A remote task as the A2A tool follows it, update by update: the text of its artifacts,
/// its state and status message, and — at the end — the tool's answer or error.
struct A2ARemoteOutcome: Sendable {
    let agentName: String
    private(set) var taskId: String?
    private var state: A2ATaskState?
    private var statusText = ""
    /// Artifact texts by id, in the order they first came.
    private var artifacts: [(id: String, text: String)] = []
    private var directAnswer: String?

    init(agentName: String) {
        self.agentName = agentName
    }

    /// The task ended, waits for input, or the agent answered directly: nothing more to read.
    var ended: Bool { directAnswer != nil || state.map { $0.isTerminal || $0.isInterrupted } == true }

    /// Takes one item; the text it adds to an artifact (the call's progress), if any.
    mutating func take(_ item: A2AStreamItem) throws -> String? {
        switch item {
        case .message(let message):
            directAnswer = Self.text(of: message.parts)
            return nil
        case .task(let task):
            taskId = task.id
            take(task.status)
            for artifact in task.artifacts { set(artifact.artifactId, Self.text(of: artifact.parts)) }
            return nil
        case .status(let id, _, let status, _, _):
            if taskId == nil, !id.isEmpty { taskId = id }
            take(status)
            return nil
        case .artifact(_, _, let artifact, let append, _, _):
            let chunk = Self.text(of: artifact.parts)
            let index = artifacts.firstIndex { $0.id == artifact.artifactId }
            if append, let index {
                artifacts[index].text += chunk
                return chunk.isEmpty ? nil : chunk
            }
            // A replacement: what is new is news (a final chunk repeating the streamed text is not).
            let before = index.map { artifacts[$0].text } ?? ""
            set(artifact.artifactId, chunk)
            let news = chunk.hasPrefix(before) ? String(chunk.dropFirst(before.count)) : chunk
            return news.isEmpty ? nil : news
        }
    }

    private mutating func take(_ status: A2ATaskStatus) {
        state = status.state
        if let message = status.message { statusText = Self.text(of: message.parts) }
    }

    private mutating func set(_ id: String, _ text: String) {
        if let index = artifacts.firstIndex(where: { $0.id == id }) { artifacts[index].text = text } else { artifacts.append((id, text)) }
    }

    /// What the model reads: the answer of a completed task, else the error that says why there is none.
    func answer() throws -> String {
        if let directAnswer { return directAnswer }
        let task = taskId.map { " (task \($0))" } ?? ""
        let output = artifacts.map(\.text).filter { !$0.isEmpty }.joined(separator: "\n\n")
        switch state {
        case .completed?:
            return output.isEmpty ? statusText : output
        case .failed?, .rejected?:
            throw ToolError(code: .failed, message: "\(agentName) failed\(task): \(statusText.isEmpty ? "no reason given" : statusText)")
        case .canceled?:
            throw ToolError(code: .failed, message: "\(agentName) cancelled the task\(task)")
        case .inputRequired?, .authRequired?:
            throw ToolError(
                code: .failed, message: "\(agentName) needs more input\(task), which this call cannot give: \(statusText.isEmpty ? "no question given" : statusText)"
            )
        case .submitted?, .working?, nil:
            // The stream ended before the task did: another attempt (the same message id) picks it up.
            throw ToolError(code: .unavailable, message: "\(agentName)'s stream ended before the task did\(task)", isRetryable: true)
        }
    }

    static func text(of parts: [A2APart]) -> String {
        parts.map { part in
            switch part {
            case .text(let text): text
            case .data(let data): data.jsonText()
            case .file(let type): "[file\(type.map { " \($0)" } ?? "")]"
            }
        }.joined(separator: "\n")
    }
}
