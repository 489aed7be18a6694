/// Builds a run's model context: the agent's instructions, the session summary if any, the
/// last messages of the session, and the new input.
///
/// The window never starts mid-exchange and never leaves a tool call without its result
/// (or a result without its call): providers reject such histories.
public enum ConversationContext {
    public static func build(
        instructions: String,
        summary: String?,
        history: [ChatMessage],
        input: String
    ) -> [ChatMessage] {
        var system = instructions
        if let summary, !summary.isEmpty {
            system += (system.isEmpty ? "" : "\n\n") + "Summary of the conversation so far:\n" + summary
        }
        var context: [ChatMessage] = system.isEmpty ? [] : [.system(system)]
        context += sanitized(history)
        context.append(.user(input))
        return context
    }

    /// `history` starting at its first user message, with unmatched tool calls and results removed.
    public static func sanitized(_ history: [ChatMessage]) -> [ChatMessage] {
        guard let firstUser = history.firstIndex(where: { $0.role == .user }) else { return [] }
        let window = history[firstUser...].filter { $0.role != .system }
        let answered = Set(window.compactMap { $0.role == .tool ? $0.toolCallId : nil })
        let asked = Set(window.flatMap { $0.toolCalls.map(\.id) })
        var result: [ChatMessage] = []
        for var message in window {
            switch message.role {
            case .tool:
                guard let id = message.toolCallId, asked.contains(id) else { continue }
            case .assistant:
                message.toolCalls = message.toolCalls.filter { answered.contains($0.id) }
                if message.content.isEmpty && message.toolCalls.isEmpty { continue }
            default:
                break
            }
            result.append(message)
        }
        return result
    }
}
