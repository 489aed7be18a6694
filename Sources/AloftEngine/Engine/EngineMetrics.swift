import AloftCore
import CoreMetrics
import Metrics

/// The engine's metrics, named after OpenTelemetry's conventions for generative AI
/// (`gen_ai.client.*`) where they apply, Prometheus-style otherwise.
struct EngineMetrics: Sendable {
    let factory: any MetricsFactory

    /// A model call (with its retries) took `duration`.
    func modelCall(provider: String, duration: Duration, failed: Bool) {
        Metrics.Timer(label: "aloft_model_call_duration_seconds", dimensions: [("provider", provider), ("outcome", failed ? "error" : "ok")], factory: factory)
            .recordNanoseconds(duration.nanoseconds)
    }

    /// A model request waited `waited` for a free slot to `host` (zero when one was free).
    func modelQueueWait(host: String, waited: Duration) {
        Metrics.Timer(label: "aloft_model_queue_wait_seconds", dimensions: [("host", host)], factory: factory)
            .recordNanoseconds(waited.nanoseconds)
    }

    func tokens(_ usage: Usage, provider: String) {
        Counter(label: "aloft_model_tokens_total", dimensions: [("provider", provider), ("direction", "input")], factory: factory).increment(by: usage.inputTokens)
        Counter(label: "aloft_model_tokens_total", dimensions: [("provider", provider), ("direction", "output")], factory: factory).increment(by: usage.outputTokens)
    }

    func toolCall(name: String, duration: Duration, failed: Bool) {
        Counter(label: "aloft_tool_calls_total", dimensions: [("tool", name), ("outcome", failed ? "error" : "ok")], factory: factory).increment()
        Metrics.Timer(label: "aloft_tool_call_duration_seconds", dimensions: [("tool", name)], factory: factory).recordNanoseconds(duration.nanoseconds)
    }

    /// A step (journal entries and read models) was committed in `duration`.
    func stepCommitted(duration: Duration) {
        Metrics.Timer(label: "aloft_step_commit_duration_seconds", factory: factory).recordNanoseconds(duration.nanoseconds)
    }

    func runFinished(_ phase: RunPhase) {
        Counter(label: "aloft_runs_finished_total", dimensions: [("phase", phase.rawValue)], factory: factory).increment()
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
