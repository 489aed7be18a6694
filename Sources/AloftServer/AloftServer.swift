public import AloftEngine
public import Hummingbird
import HummingbirdCore
public import Logging
public import Prometheus
import ServiceLifecycle

/// Builds Aloft's HTTP application: REST + SSE under `/v1` over a running `LocalEngine`.
/// The CLI's `aloft serve` and the tests both use it.
public func buildApplication(
    configuration: ServerConfiguration,
    engine: LocalEngine,
    agents: AgentRegistry,
    metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    logger: Logger
) -> some ApplicationProtocol {
    let router = Router()
    router.add(middleware: HTTPMetricsMiddleware(registry: metrics))
    if !configuration.corsOrigins.isEmpty {
        // Answers preflights and adds CORS headers (errors included) for the listed origins
        // only; CrossSiteProtectionMiddleware refuses the others before any route runs.
        router.add(
            middleware: CORSMiddleware(
                allowOrigin: .originBased, allowHeaders: [.accept, .authorization, .contentType, .origin, .init("Last-Event-ID")!],
                allowMethods: [.get, .post, .put, .delete, .head, .options]
            )
        )
    }
    router.add(middleware: ErrorMiddleware())
    // Before anything answers: refuse DNS rebinding, cross-site pages and non-JSON bodies.
    router.add(middleware: CrossSiteProtectionMiddleware(configuration: configuration))
    HealthRoutes(engine: engine).register(on: router)
    MetricsRoute(engine: engine, registry: metrics).register(on: router)
    let api = router.group("v1")
    if !configuration.apiKeys.isEmpty {
        api.add(middleware: BearerAuthMiddleware(keys: Set(configuration.apiKeys)))
    }
    let finished = FinishedRunCache()
    var services: [any Service] = []
    if let days = configuration.retentionDays {
        services.append(RetentionService(store: engine.pruner, days: days, scope: configuration.retentionScope, logger: logger) { _ in finished.removeAll() })
    }
    RunRoutes(engine: engine, agents: agents, configuration: configuration, finished: finished).register(on: api)
    SessionRoutes(engine: engine, agents: agents, configuration: configuration, finished: finished).register(on: api)
    AgentRoutes(engine: engine, agents: agents, configuration: configuration).register(on: api)
    return Application(
        router: router,
        // A connection silent for this long (a slowloris sending its head a byte at a time, an
        // idle keep-alive) is closed; responses in progress, event streams included, are not.
        server: .http1(configuration: HTTP1Channel.Configuration(idleTimeout: .seconds(Int64(configuration.idleTimeoutSeconds)))),
        configuration: .init(address: .hostname(configuration.effectiveHost, port: configuration.port), serverName: "aloft"),
        services: services,
        logger: logger
    )
}
