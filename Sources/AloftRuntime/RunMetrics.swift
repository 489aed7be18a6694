public import AloftCore
public import CoreMetrics
import Metrics

/// The metrics of running agents, for every engine: model and tool calls, tokens, commits,
/// finished runs. Named Prometheus-style.
public struct RunMetrics: Sendable {
    let factory: any MetricsFactory

    public init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// A model call (with its retries) took `duration`.
    public func modelCall(provider: String, duration: Duration, failed: Bool) {
        Metrics.Timer(label: "aloft_model_call_duration_seconds", dimensions: [("provider", provider), ("outcome", failed ? "error" : "ok")], factory: factory)
            .recordNanoseconds(duration.nanoseconds)
    }

    /// A model request waited `waited` for a free slot to `host` (zero when one was free).
    public func modelQueueWait(host: String, waited: Duration) {
        Metrics.Timer(label: "aloft_model_queue_wait_seconds", dimensions: [("host", host)], factory: factory)
            .recordNanoseconds(waited.nanoseconds)
    }

    public func tokens(_ usage: Usage, provider: String) {
        Counter(label: "aloft_model_tokens_total", dimensions: [("provider", provider), ("direction", "input")], factory: factory).increment(by: usage.inputTokens)
        Counter(label: "aloft_model_tokens_total", dimensions: [("provider", provider), ("direction", "output")], factory: factory).increment(by: usage.outputTokens)
    }

    public func toolCall(name: String, duration: Duration, failed: Bool) {
        Counter(label: "aloft_tool_calls_total", dimensions: [("tool", name), ("outcome", failed ? "error" : "ok")], factory: factory).increment()
        Metrics.Timer(label: "aloft_tool_call_duration_seconds", dimensions: [("tool", name)], factory: factory).recordNanoseconds(duration.nanoseconds)
    }

    /// A step (journal entries and read models) was committed in `duration`.
    public func stepCommitted(duration: Duration) {
        Metrics.Timer(label: "aloft_step_commit_duration_seconds", factory: factory).recordNanoseconds(duration.nanoseconds)
    }

    public func runFinished(_ phase: RunPhase) {
        Counter(label: "aloft_runs_finished_total", dimensions: [("phase", phase.rawValue)], factory: factory).increment()
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
