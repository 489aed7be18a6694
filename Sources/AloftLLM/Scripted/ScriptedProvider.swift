public import AloftCore

/// Replays replies written in the agent file. Not a model: for tests, benchmarks and the
/// offline demo, and labelled as such wherever it answers.
///
/// Deterministic and restart-safe: the reply given is chosen by how many assistant turns
/// the request already holds since its last user message, so a step redone after a crash
/// gets the same reply.
public struct ScriptedProvider: ModelProvider {
    public let replies: [ScriptedReply]

    public init(replies: [ScriptedReply]) {
        self.replies = replies
    }

    public func respond(to request: ModelRequest, onDelta: (String) async throws -> Void) async throws -> ModelResponse {
        let lastUser = request.messages.lastIndex { $0.role == .user } ?? -1
        let index = request.messages[(lastUser + 1)...].filter { $0.role == .assistant }.count
        guard index < replies.count else {
            throw ModelError(
                code: .misconfigured,
                message: "the script has \(replies.count) replies and this turn needs reply \(index + 1); add replies to the agent's script"
            )
        }
        let reply = replies[index]
        let text = reply.text ?? ""
        for chunk in Self.chunks(of: text) {
            if reply.chunkDelayMilliseconds > 0 {
                try await Task.sleep(for: .milliseconds(reply.chunkDelayMilliseconds))
            }
            try await onDelta(chunk)
        }
        let calls = reply.toolCalls.enumerated().map { position, call in
            ToolCall(id: "call_\(index + 1)_\(position + 1)", name: call.name, arguments: call.arguments.jsonText())
        }
        let inputCharacters = request.messages.reduce(0) { $0 + $1.content.count }
        return ModelResponse(
            text: text, toolCalls: calls,
            usage: Usage(inputTokens: (inputCharacters + 3) / 4, outputTokens: (text.count + 3) / 4)
        )
    }

    /// Word-sized pieces, so the text streams like a model's.
    static func chunks(of text: String) -> [String] {
        var chunks: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if character == " " || character == "\n" {
                chunks.append(current)
                current = ""
            }
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks
    }
}
