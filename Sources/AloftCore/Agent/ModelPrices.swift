/// What a model's tokens cost, in US dollars per million (the agent file's `model.prices`).
public struct ModelPrices: Sendable, Hashable, Codable {
    public var inputPerMillion: Double
    public var outputPerMillion: Double

    public init(inputPerMillion: Double, outputPerMillion: Double) {
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case inputPerMillion = "input_usd_per_million_tokens"
        case outputPerMillion = "output_usd_per_million_tokens"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        inputPerMillion = try c.decode(Double.self, forKey: .inputPerMillion)
        outputPerMillion = try c.decode(Double.self, forKey: .outputPerMillion)
    }

    /// Each price out of range, named by field.
    public func problems() -> [String] {
        [("input_usd_per_million_tokens", inputPerMillion), ("output_usd_per_million_tokens", outputPerMillion)].compactMap { field, value in
            value.isFinite && value >= 0 && value <= AgentLimits.maxCostUSD ? nil : "\(field): must be between 0 and \(Int(AgentLimits.maxCostUSD))"
        }
    }

    /// The cost of `usage`, in US dollars.
    public func cost(of usage: Usage) -> Double {
        (Double(usage.inputTokens) * inputPerMillion + Double(usage.outputTokens) * outputPerMillion) / 1_000_000
    }
}
