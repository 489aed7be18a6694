/// How a failed step is retried: exponential backoff with jitter.
public struct RetryPolicy: Sendable, Hashable, Codable {
    /// Attempts in all, the first included; 1 means no retry.
    public var maxAttempts: Int
    public var initialBackoffSeconds: Double
    public var maxBackoffSeconds: Double
    public var multiplier: Double
    /// Fraction of each backoff drawn at random (0 = none, 1 = full jitter).
    public var jitter: Double

    public init(
        maxAttempts: Int = 3,
        initialBackoffSeconds: Double = 0.5,
        maxBackoffSeconds: Double = 30,
        multiplier: Double = 2,
        jitter: Double = 0.2
    ) {
        self.maxAttempts = maxAttempts
        self.initialBackoffSeconds = initialBackoffSeconds
        self.maxBackoffSeconds = maxBackoffSeconds
        self.multiplier = multiplier
        self.jitter = jitter
    }

    /// The backoff before attempt `attempt + 1`, given a random draw in 0..<1.
    /// The draw is a parameter so that this stays pure.
    public func backoff(afterAttempt attempt: Int, random: Double) -> Double {
        let exponential = initialBackoffSeconds * pow(multiplier, Double(max(0, attempt - 1)))
        let capped = min(maxBackoffSeconds, exponential)
        return capped * (1 - jitter) + capped * jitter * random
    }

    /// Every field out of its range, by name.
    func problems() -> [String] {
        var problems: [String] = []
        if !(1...AgentLimits.maxAttempts).contains(maxAttempts) {
            problems.append("max_attempts: must be between 1 and \(AgentLimits.maxAttempts)")
        }
        for (field, value) in [("initial_backoff_seconds", initialBackoffSeconds), ("max_backoff_seconds", maxBackoffSeconds)]
        where !(value.isFinite && value >= 0 && value <= AgentLimits.maxSeconds) {
            problems.append("\(field): must be between 0 and \(Int(AgentLimits.maxSeconds)) seconds")
        }
        if !(multiplier.isFinite && multiplier >= 1 && multiplier <= AgentLimits.maxMultiplier) {
            problems.append("multiplier: must be between 1 and \(Int(AgentLimits.maxMultiplier))")
        }
        if !(0...1).contains(jitter) { problems.append("jitter: must be between 0 and 1") }
        return problems
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxAttempts = "max_attempts"
        case initialBackoffSeconds = "initial_backoff_seconds"
        case maxBackoffSeconds = "max_backoff_seconds"
        case multiplier
        case jitter
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = RetryPolicy()
        maxAttempts = try c.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? defaults.maxAttempts
        initialBackoffSeconds =
            try c.decodeIfPresent(Double.self, forKey: .initialBackoffSeconds) ?? defaults.initialBackoffSeconds
        maxBackoffSeconds = try c.decodeIfPresent(Double.self, forKey: .maxBackoffSeconds) ?? defaults.maxBackoffSeconds
        multiplier = try c.decodeIfPresent(Double.self, forKey: .multiplier) ?? defaults.multiplier
        jitter = try c.decodeIfPresent(Double.self, forKey: .jitter) ?? defaults.jitter
    }
}

private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    for _ in 0..<Int(exponent) { result *= base }
    return result
}
