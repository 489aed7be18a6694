public import AloftEngine
public import Hummingbird
public import Logging
public import Prometheus

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
    // Browsers on other origins (a page's EventSource, fetch) may call the API; there are no
    // cookies, so allowing any origin exposes nothing that the API key does not guard.
    router.add(
        middleware: CORSMiddleware(
            allowOrigin: .all, allowHeaders: [.accept, .authorization, .contentType, .origin, .init("Last-Event-ID")!],
            allowMethods: [.get, .post, .put, .delete, .head, .options]
        )
    )
    router.add(middleware: HTTPMetricsMiddleware(registry: metrics))
    router.add(middleware: ErrorMiddleware())
    HealthRoutes(engine: engine).register(on: router)
    MetricsRoute(engine: engine, registry: metrics).register(on: router)
    let api = router.group("v1")
    if !configuration.apiKeys.isEmpty {
        api.add(middleware: BearerAuthMiddleware(keys: Set(configuration.apiKeys)))
    }
    let finished = FinishedRunCache()
    RunRoutes(engine: engine, agents: agents, configuration: configuration, finished: finished).register(on: api)
    SessionRoutes(engine: engine, agents: agents, configuration: configuration, finished: finished).register(on: api)
    AgentRoutes(engine: engine, agents: agents, configuration: configuration).register(on: api)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.effectiveHost, port: configuration.port), serverName: "aloft"),
        logger: logger
    )
}
