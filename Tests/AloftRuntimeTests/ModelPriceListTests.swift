import AloftCore
import AloftLLM
import AloftRuntime
import CoreMetrics
import Foundation
import Testing

/// The price list of ALOFT_MODEL_PRICES, as the catalog applies it to cost budgets.
@Suite("Model price list")
struct ModelPriceListTests {
    @Test("prices from the ALOFT_MODEL_PRICES list count for cost budgets (provider/name first, the agent's own win); a cost budget without prices, or a broken list, is an agent problem")
    func priceList() async throws {
        let folder = NSTemporaryDirectory() + "aloft-prices-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try """
            models:
              gpt-4o-mini: { input_usd_per_million_tokens: 0.15, output_usd_per_million_tokens: 0.6 }
              scripted/s: { input_usd_per_million_tokens: 2, output_usd_per_million_tokens: 8 }
            """.write(toFile: folder + "/prices.yaml", atomically: true, encoding: .utf8)
        try "models: { x: { input_usd_per_million_tokens: -1, output_usd_per_million_tokens: 1 } }\n".write(toFile: folder + "/bad.yaml", atomically: true, encoding: .utf8)
        func catalog(_ file: String) -> AgentCatalog {
            AgentCatalog(environment: ["ALOFT_MODEL_PRICES": folder + "/" + file], builtins: [:], outbound: OutboundHTTPConfiguration(), metrics: NOOPMetricsHandler.instance)
        }
        var agent = AgentDefinition(
            name: "a", instructions: "", model: ModelSettings(provider: .scripted, name: "s", script: [ScriptedReply(text: "hi")]),
            policies: AgentPolicies(maxCostUSDPerRun: 1)
        )
        #expect(try await catalog("prices.yaml").runtime(for: agent).loop.prices == ModelPrices(inputPerMillion: 2, outputPerMillion: 8))
        agent.model.prices = ModelPrices(inputPerMillion: 1, outputPerMillion: 1)
        #expect(try await catalog("prices.yaml").runtime(for: agent).loop.prices == ModelPrices(inputPerMillion: 1, outputPerMillion: 1), "the agent's own win")
        agent.model.prices = nil
        agent.model.name = "unpriced"
        await #expect { _ = try await catalog("prices.yaml").runtime(for: agent) } throws: { "\($0)".contains("or an entry for unpriced in the price list ALOFT_MODEL_PRICES names") }
        await #expect { _ = try await catalog("bad.yaml").runtime(for: agent) } throws: { "\($0)".contains("models.x.input_usd_per_million_tokens: must be between 0 and") }
        await #expect { _ = try await catalog("none.yaml").runtime(for: agent) } throws: { "\($0)".contains("none.yaml cannot be read") }
    }

}
