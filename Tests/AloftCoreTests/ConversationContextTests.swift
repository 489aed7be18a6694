import Testing

@testable import AloftCore

@Suite("Conversation context")
struct ConversationContextTests {
    @Test("instructions, summary, history and input, in that order")
    func order() {
        let context = ConversationContext.build(
            instructions: "Be brief.", summary: "They talked about cats.",
            history: [.user("Hi"), ChatMessage(role: .assistant, content: "Hello")], input: "And dogs?"
        )
        #expect(context.map(\.role) == [.system, .user, .assistant, .user])
        #expect(context[0].content == "Be brief.\n\nSummary of the conversation so far:\nThey talked about cats.")
        #expect(context.last?.content == "And dogs?")
    }

    @Test("a window cut mid-exchange starts at a user message and keeps no orphan tool call or result")
    func orphans() {
        let history: [ChatMessage] = [
            ChatMessage(role: .tool, content: "12°C", toolCallId: "old"),
            ChatMessage(role: .assistant, content: "It is warm."),
            .user("Delete it"),
            ChatMessage(role: .assistant, content: "", toolCalls: [ToolCall(id: "c1", name: "rm", arguments: "{}"), ToolCall(id: "c2", name: "rm", arguments: "{}")]),
            ChatMessage(role: .tool, content: "done", toolCallId: "c1"),
            ChatMessage(role: .assistant, content: "Stopped midway", toolCalls: [ToolCall(id: "c3", name: "rm", arguments: "{}")]),
        ]
        let sanitized = ConversationContext.sanitized(history)
        #expect(sanitized.first == .user("Delete it"))
        #expect(sanitized[1].toolCalls.map(\.id) == ["c1"])
        #expect(sanitized[2].toolCallId == "c1")
        #expect(sanitized[3] == ChatMessage(role: .assistant, content: "Stopped midway"))
    }
}
