import AloftCore
import AloftEngine
import Hummingbird
import Prometheus

/// `/metrics`: Prometheus text. Runs by phase are read from the database at each scrape;
/// the rest (HTTP requests, model and step latency, tokens, tool calls) are recorded as they happen.
struct MetricsRoute {
    let engine: LocalEngine
    let registry: PrometheusCollectorRegistry

    func register(on router: some RouterMethods<BasicRequestContext>) {
        router.get("/metrics") { _, _ -> Response in
            let counts = try await engine.reader.runCountsByPhase()
            for phase in RunPhase.allCases {
                registry.makeGauge(
                    descriptor: MetricNameDescriptor(metricName: "aloft_runs", unitName: "", helpText: "Runs in the database by phase"),
                    labels: [("phase", phase.rawValue)]
                ).set(Double(counts[phase] ?? 0))
            }
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }
}
