/// How long one model call may take, from an agent's policies.
public struct ModelCallLimits: Sendable, Hashable {
    /// The whole call, the streamed answer included.
    public var totalSeconds: Double
    /// Silence allowed before the answer starts and between two pieces of it.
    public var idleSeconds: Double

    /// Longest limit honoured (a day); agent validation refuses more, this keeps the
    /// conversions to `Duration` safe for any caller.
    public static let maxSeconds = 86_400.0

    public init(totalSeconds: Double = 600, idleSeconds: Double = 120) {
        func clamp(_ value: Double) -> Double { value.isFinite ? min(max(value, 0.001), Self.maxSeconds) : Self.maxSeconds }
        self.totalSeconds = clamp(totalSeconds)
        self.idleSeconds = min(clamp(idleSeconds), self.totalSeconds)
    }
}
