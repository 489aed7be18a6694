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
        #expect(agent.problems().contains { $0.hasPrefix("policies.max_cost_usd_per_run: needs model.prices") })
        var bad = agent
        bad.model.prices = ModelPrices(inputPerMillion: -1, outputPerMillion: .infinity)
        bad.policies.maxCostUSDPerRun = 0
        #expect(bad.problems().contains("model.prices.input_usd_per_million_tokens: must be between 0 and 1000000"))
        #expect(bad.problems().contains("model.prices.output_usd_per_million_tokens: must be between 0 and 1000000"))
        #expect(bad.problems().contains("policies.max_cost_usd_per_run: must be more than 0 and at most 1000000"))
    }
}
