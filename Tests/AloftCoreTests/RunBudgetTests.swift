import Testing

@testable import AloftCore

@Suite("Run budgets")
struct RunBudgetTests {
    static let start = JournalEntry.started(RunStart(runId: "run-1", sessionId: "s-1", agent: "a", agentVersion: "v1", context: [.user("Hi")]))
    static let lookup = ToolDefinition(name: "lookup", description: "", parameters: ["type": "object"])

    /// A run after one model call that used 1,000 tokens in and 500 out and asked for a tool, whose result is in.
    static func state(_ policies: AgentPolicies, prices: ModelPrices? = nil) -> RunState {
        let call = ToolCall(id: "c1", name: "lookup", arguments: "{}")
        return RunState(
            configuration: LoopConfiguration(tools: [lookup], policies: policies, prices: prices),
            journal: [
                start,
                .modelResponded(step: 1, response: ModelResponse(text: "Looking. ", toolCalls: [call], usage: Usage(inputTokens: 1000, outputTokens: 500))),
                .toolCompleted(ToolResult(callId: "c1", name: "lookup", content: "found")),
            ]
        )
    }

    func refusal(_ state: RunState) -> RunError? {
        guard case .finish(.failed(let error))? = AgentLoop.decide(state).first else { return nil }
        return error
    }

    @Test("tokens: the next call is made while it fits (at least as large as the last), not when it would go over")
    func tokens() {
        #expect(refusal(Self.state(AgentPolicies(maxTokensPerRun: 3000))) == nil, "1,500 used + 1,500 expected fits 3,000")
        let refused = refusal(Self.state(AgentPolicies(maxTokensPerRun: 2999)))
        #expect(refused?.code == .budgetExceeded && refused?.message.contains("used 1500 of its 2999 tokens") == true, "\(String(describing: refused))")
        #expect(refusal(Self.state(AgentPolicies(maxTokensPerRun: 1000)))?.code == .budgetExceeded, "already over")
    }

    @Test("session tokens: what the session's earlier runs used counts, recorded at the start; a spent session makes no call at all")
    func sessionTokens() {
        func state(before: Usage, budget: Int, called: Bool) -> RunState {
            let start = JournalEntry.started(
                RunStart(runId: "run-2", sessionId: "s-1", agent: "a", agentVersion: "v1", context: [.user("Hi")], sessionUsage: before)
            )
            let call = ToolCall(id: "c1", name: "lookup", arguments: "{}")
            let journal: [JournalEntry] = called
                ? [start, .modelResponded(step: 1, response: ModelResponse(text: "", toolCalls: [call], usage: Usage(inputTokens: 100, outputTokens: 50))),
                   .toolCompleted(ToolResult(callId: "c1", name: "lookup", content: "ok"))]
                : [start]
            return RunState(configuration: LoopConfiguration(tools: [Self.lookup], policies: AgentPolicies(maxTokensPerSession: budget)), journal: journal)
        }
        #expect(refusal(state(before: Usage(inputTokens: 600, outputTokens: 300), budget: 1000, called: false)) == nil, "900 of 1,000: a first call is made")
        let spent = refusal(state(before: Usage(inputTokens: 700, outputTokens: 300), budget: 1000, called: false))
        #expect(spent?.code == .budgetExceeded && spent?.message.contains("the session used 1000 of its 1000 tokens; no model call was made") == true, "\(String(describing: spent))")
        #expect(refusal(state(before: Usage(inputTokens: 600, outputTokens: 100), budget: 1000, called: true)) == nil, "700 + 150 + 150 fits")
        #expect(refusal(state(before: Usage(inputTokens: 600, outputTokens: 200), budget: 1000, called: true))?.code == .budgetExceeded, "800 + 150 + 150 does not")
        #expect(AgentPolicies(maxTokensPerSession: 0).problems().contains { $0.hasPrefix("policies.max_tokens_per_session: must be between 1") })
    }

    @Test("cost: priced per million tokens, the same rule; a cost budget without prices is an agent problem")
    func cost() {
        let prices = ModelPrices(inputPerMillion: 2, outputPerMillion: 10)  // the call: $0.002 + $0.005
        #expect(refusal(Self.state(AgentPolicies(maxCostUSDPerRun: 0.014), prices: prices)) == nil)
        let refused = refusal(Self.state(AgentPolicies(maxCostUSDPerRun: 0.0139), prices: prices))
        #expect(refused?.code == .budgetExceeded && refused?.message.contains("spent $0.0070 of its $0.0139") == true, "\(String(describing: refused))")
        let agent = AgentDefinition(
            name: "a", instructions: "", model: ModelSettings(provider: .scripted, name: "s", script: [ScriptedReply(text: "x")]),
            policies: AgentPolicies(maxCostUSDPerRun: 1)
        )
        var bad = agent
        bad.model.prices = ModelPrices(inputPerMillion: -1, outputPerMillion: .infinity)
        bad.policies.maxCostUSDPerRun = 0
        #expect(bad.problems().contains("model.prices.input_usd_per_million_tokens: must be between 0 and 1000000"))
        #expect(bad.problems().contains("model.prices.output_usd_per_million_tokens: must be between 0 and 1000000"))
        #expect(bad.problems().contains("policies.max_cost_usd_per_run: must be more than 0 and at most 1000000"))
    }
}
