import Foundation
import Testing

@testable import AloftCore

@Suite("CompactJournal keeps references, reads back whole")
struct CompactJournalTests {
    static let time = Date(timeIntervalSince1970: 1_800_000_000)
    static let run = Run(
        id: "r2", sessionId: "s1", agent: "helper", agentVersion: "v1", phase: .completed, input: "And Bergen?", messageBase: 4,
        createdAt: time, updatedAt: time
    )
    static let call = ToolCall(id: "c1", name: "weather", arguments: #"{"city":"Bergen"}"#)

    static func message(_ position: Int, _ role: Role, _ content: String, runId: String = "r2", toolCalls: [ToolCall] = [],
                        callId: String? = nil, tool: String? = nil) -> Message {
        Message(
            sessionId: "s1", runId: runId, position: position, role: role, content: content, toolCalls: toolCalls, toolCallId: callId,
            toolName: tool, createdAt: time, completedAt: time
        )
    }

    /// The session before run r2 (positions 0–3), and what r2 wrote (4–7).
    static let history = [
        message(0, .user, "Weather in Oslo?", runId: "r1"), message(1, .assistant, "Sunny.", runId: "r1"),
        message(2, .user, "Thanks", runId: "r1"), message(3, .assistant, "You're welcome.", runId: "r1"),
    ]
    static let written = [
        message(4, .user, "And Bergen?"), message(5, .assistant, "", toolCalls: [call]),
        message(6, .tool, "Rain, 9 °C", callId: "c1", tool: "weather"), message(7, .assistant, "Rain in Bergen."),
    ]

    static var journal: [JournalEntry] {
        let context = ConversationContext.build(
            instructions: "Be brief.", summary: "Talked about Norway.", history: history.map(\.chatMessage), input: "And Bergen?"
        )
        return [
            .started(
                RunStart(
                    runId: "r2", sessionId: "s1", agent: "helper", agentVersion: "v1", context: context, historyFrom: 0,
                    sessionUsage: Usage(inputTokens: 120, outputTokens: 30), prices: ModelPrices(inputPerMillion: 0.15, outputPerMillion: 0.6)
                )
            ),
            .modelResponded(step: 1, response: ModelResponse(text: "", toolCalls: [call], usage: Usage(inputTokens: 40, outputTokens: 9))),
            .toolCompleted(ToolResult(callId: "c1", name: "weather", content: "Rain, 9 °C", failure: .toolError)),
            .modelResponded(step: 2, response: ModelResponse(text: "Rain in Bergen.", usage: Usage(inputTokens: 60, outputTokens: 4))),
            .finished(.completed(answer: "Rain in Bergen.")),
        ]
    }

    static func read(_ texts: [String], messages: [Message] = history + written) throws -> [JournalEntry] {
        try CompactJournal.Stored(texts: texts).entries(run: run, instructions: "Be brief.", summary: "Talked about Norway.", messages: messages)
    }

    @Test("a run's journal refers to its messages, history and answer, and reads back exactly (budget state of its start included)")
    func roundTrip() throws {
        let texts = try CompactJournal.encode(Self.journal, messages: Self.written)
        #expect(try Self.read(texts) == Self.journal)
        #expect(!texts.joined().contains("Bergen"), "no text of the conversation is copied: \(texts)")
        #expect(try CompactJournal.Stored(texts: texts).firstMessagePosition == 0)
    }

    @Test("the start entry is as small at turn 50 as at turn 1")
    func startDoesNotGrow() throws {
        var first = Self.journal[0]
        guard case .started(var start) = first else { return }
        start.historyFrom = 4
        start.context = [.system("Be brief."), .user("And Bergen?")]
        first = .started(start)
        let long = try CompactJournal.encode([Self.journal[0]], messages: [])
        let short = try CompactJournal.encode([first], messages: [])
        #expect(long[0].utf8.count == short[0].utf8.count)
    }

    @Test("an entry with nothing to refer to is kept whole, and whole entries read as before")
    func wholeEntries() throws {
        // Messages that differ from the entries (or none) give no reference.
        let whole = try CompactJournal.encode(Self.journal, messages: [])
        #expect(whole[1].contains(#""tool_calls""#) && whole[2].contains("Rain, 9 °C"))
        #expect(try Self.read(whole) == Self.journal)
        // A context given whole (no historyFrom), as journals before references were written.
        let given = JournalEntry.started(RunStart(runId: "r2", sessionId: "s1", agent: "helper", agentVersion: "v1", context: [.user("x")]))
        let texts = try CompactJournal.encode([given], messages: [])
        #expect(texts[0].contains(#""context""#))
        #expect(try Self.read(texts) == [given])
    }

    @Test("a history message deleted since is left out; a missing result or corrupt text is a clear error")
    func missingReferences() throws {
        let texts = try CompactJournal.encode(Self.journal, messages: Self.written)
        let pruned = try Self.read(texts, messages: Array(Self.history.dropFirst(2)) + Self.written)
        guard case .started(let start) = pruned.first else { Issue.record("the journal starts with the start"); return }
        #expect(start.context.map(\.content) == ["Be brief.\n\nSummary of the conversation so far:\nTalked about Norway.", "Thanks", "You're welcome.", "And Bergen?"])

        let lost = #expect(throws: StoreError.self) { try Self.read(texts, messages: Self.history + Self.written.filter { $0.position != 6 }) }
        #expect(lost?.code == .corrupt && lost?.message.contains("message 6") == true)
        let notJSON = #expect(throws: StoreError.self) { try CompactJournal.Stored(texts: ["{"]) }
        #expect(notJSON?.code == .corrupt)
        let badStep = #expect(throws: StoreError.self) { try Self.read([#"{"type":"finished","outcome":{"phase":"completed","answer_of_step":9}}"#]) }
        #expect(badStep?.code == .corrupt)
    }
}
