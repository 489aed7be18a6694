import Hummingbird
import Prometheus

/// Counts requests by method, route (the matched pattern, not the raw path) and status, and
/// times them.
struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let registry: PrometheusCollectorRegistry

    static var requests: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "aloft_http_requests", unitName: "total", helpText: "HTTP requests by method, route and status")
    }

    static var duration: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "aloft_http_request_duration", unitName: "seconds", helpText: "HTTP request latency by method and route")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let clock = ContinuousClock()
        let started = clock.now
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        let labels = [("method", request.method.rawValue), ("route", route), ("status", String(response.status.code))]
        registry.makeCounter(descriptor: Self.requests, labels: labels).increment()
        registry.makeDurationHistogram(
            descriptor: Self.duration, labels: [("method", request.method.rawValue), ("route", route)],
            buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500), .seconds(2), .seconds(10)]
        ).record(clock.now - started)
        return response
    }
}
