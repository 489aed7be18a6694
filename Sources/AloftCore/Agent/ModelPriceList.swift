/// What models cost, for every agent of a process: the file `ALOFT_MODEL_PRICES` names, so
/// that `policies.max_cost_usd_per_run` works without prices in each agent file. An agent's own
/// `model.prices` wins.
///
/// ```yaml
/// models:
///   gpt-4o-mini: { input_usd_per_million_tokens: 0.15, output_usd_per_million_tokens: 0.60 }
///   anthropic/claude-sonnet-4-5: { input_usd_per_million_tokens: 3, output_usd_per_million_tokens: 15 }
/// ```
public struct ModelPriceList: Sendable, Hashable, Codable {
    /// Prices by model name, or by `provider/name` where one name means different models.
    public var models: [String: ModelPrices]

    public init(models: [String: ModelPrices] = [:]) {
        self.models = models
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case models }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        models = try c.decodeIfPresent([String: ModelPrices].self, forKey: .models) ?? [:]
    }

    /// The prices of a model: `provider/name` first, then the name.
    public func prices(for model: ModelSettings) -> ModelPrices? {
        models["\(model.provider.rawValue)/\(model.name)"] ?? models[model.name]
    }

    /// Every price out of range, named by model.
    public func problems() -> [String] {
        models.keys.sorted().flatMap { name in
            (models[name]?.problems() ?? []).map { "models.\(name).\($0)" }
        }
    }
}
