/// The ranges numbers in an agent definition must lie in. Definitions come from files and
/// from API clients; every number is checked against these before anything converts it
/// (to a `Duration`, an `Int`), so no value can trap or make a run wait for years.
public enum AgentLimits {
    /// Longest timeout or backoff, in seconds: one day.
    public static let maxSeconds = 86_400.0
    /// Longest approval deadline, in seconds: one year.
    public static let maxApprovalDeadlineSeconds = 31_536_000.0
    public static let maxIterations = 1_000
    /// The largest token budget an agent may set (`policies.max_tokens_per_run`).
    public static let maxTokenBudget = 1_000_000_000
    /// The largest cost budget an agent may set, and the highest price per million tokens.
    public static let maxCostUSD = 1_000_000.0
    public static let maxAttempts = 100
    public static let maxMultiplier = 100.0
    public static let maxHistoryWindow = 10_000
    public static let maxTokens = 10_000_000
    public static let maxRows = 10_000
    /// Most tools one MCP server may list.
    public static let maxMCPTools = 1_000
    public static let maxChunkDelayMilliseconds = 60_000

    /// Whether `value` is a finite number of seconds in `0 < value <= limit`.
    static func isDuration(_ value: Double, limit: Double = maxSeconds) -> Bool {
        value.isFinite && value > 0 && value <= limit
    }
}
