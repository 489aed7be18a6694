import AloftCore
public import AloftEngine
import AloftTemporal
import Foundation
public import Hummingbird
import HummingbirdCore
public import Logging
public import Prometheus
import ServiceLifecycle

/// What `buildApplication` wired, for the caller to report on (and tests to reach into).
public struct ServerWiring: Sendable {
    public let engine: LocalEngine
    public let agents: AgentRegistry
    public let metrics: PrometheusCollectorRegistry
    /// Agent files that could not be loaded, each with its reason.
    public let agentProblems: [String]
    /// Where runs are executed: `executing` / `standing_by` (the embedded engine, by this
    /// process or another), or `temporal`.
    public var engineRole: String {
        relaysToTemporal ? "temporal" : engine.isExecuting ? "executing" : "standing_by"
    }
    let relaysToTemporal: Bool
    /// The gRPC API, when the configuration gives it a port.
    public let grpc: ExecutionGRPCServer?
    /// Where the gRPC API keeps its records of executions (the server's store).
    public let executionRecords: any ExecutionStore
}

/// Builds the whole server from its configuration — the one wiring `aloft serve` and the
/// tests share: opens the store the configuration names, takes its engine lock, builds the
/// local engine and the agent registry (loading the agents folder), and the HTTP application
/// (REST + SSE under `/v1`) whose services run the engine and retention and hold the lock
/// until shutdown.
///
/// When another process holds the lock: on SQLite, an `EngineError` `store_busy`; on a shared
/// PostgreSQL database, the server stands by — it serves the whole API, the other process
/// executes the runs, and this one takes over when that one stops.
///
/// `engine` carries what the configuration file does not (tests shorten intervals, give an
/// environment); metrics and outbound settings come from `configuration`.
public func buildApplication(
    configuration: ServerConfiguration, engine engineConfiguration: EngineConfiguration = EngineConfiguration(), logger: Logger
) async throws -> (application: some ApplicationProtocol, wiring: ServerWiring) {
    let store = try await EngineStores.open(
        configuration.database, durability: Durability(rawValue: configuration.durability) ?? .powerCut, logger: logger
    )
    let metrics = PrometheusCollectorRegistry()
    var engineConfiguration = engineConfiguration
    engineConfiguration.metrics = PrometheusMetricsFactory(registry: metrics)
    engineConfiguration.outbound = configuration.outbound
    let agents = AgentRegistry(store: store)
    // Agents that call other agents as tools find them among the server's agents.
    if engineConfiguration.agentNamed == nil { engineConfiguration.agentNamed = { agents.agent(named: $0) } }
    let (engine, services) =
        if let temporal = configuration.temporal {
            try temporalEngine(configuration: configuration, temporal: temporal, store: store, engine: engineConfiguration, logger: logger)
        } else {
            try await localEngine(configuration: configuration, store: store, engine: engineConfiguration, logger: logger)
        }
    let policy = configuration.apiAgents
    let environment = engine.environment
    let problems = try await agents.load(
        directory: configuration.agentsDirectory, validate: engine.validate, admit: { policy.admit($0, environment: environment) }
    )
    let relays = configuration.temporal != nil
    let grpc = configuration.grpcPort.map {
        ExecutionGRPCServer(
            host: configuration.effectiveHost, port: $0, keys: configuration.apiKeys, engine: engine, agents: agents, records: store, logger: logger
        )
    }
    let application = assembleApplication(
        configuration: configuration, engine: engine, agents: agents, metrics: metrics,
        services: (EngineStores.service(of: store).map { [$0] } ?? []) + services, engineRole: relays ? "temporal" : nil, grpc: grpc, logger: logger
    )
    return (
        application, ServerWiring(engine: engine, agents: agents, metrics: metrics, agentProblems: problems, relaysToTemporal: relays, grpc: grpc, executionRecords: store)
    )
}

/// The embedded engine, holding the store's engine lock — or standing by on a shared database
/// another process executes the runs of — and the services that run it.
private func localEngine(
    configuration: ServerConfiguration, store: EngineStore, engine engineConfiguration: EngineConfiguration, logger: Logger
) async throws -> (LocalEngine, [any Service]) {
    let lost = EngineStores.stopAfterLosingLease(of: store, logger: logger)
    let lock = try await EngineStores.takeEngine(of: store, lost: lost)
    let shared = EngineStores.isShared(configuration.database)
    if lock == nil, !shared {
        EngineStores.service(of: store)?.shutdown()
        throw EngineError(code: .storeBusy, message: "another aloft process executes the runs of \(store.location); stop it or use another --db")
    }
    lock?.record(driving: nil)  // the server drives every run of the database
    if lock == nil {
        logger.notice("another process executes the runs of \(store.location); this one serves the API and takes over if that one stops")
    }
    // On a shared database, live events cross processes: any server streams any run.
    let bus = (store as? any StoreNotices).map { SharedRunEventBus(notices: $0, reader: store, logger: logger) }
    let engine = LocalEngine(store: store, configuration: engineConfiguration, bus: bus ?? RunEventHub(), standingBy: lock == nil, logger: logger)
    let services: [any Service] =
        (bus.map { [$0] } ?? []) + [EngineLockService(lock: lock, take: { try await EngineStores.takeEngine(of: store, lost: lost) }, engine: engine, logger: logger), engine]
    return (engine, services)
}

/// The API side of a Temporal deployment: `aloft worker`s execute the runs; this process
/// serves the whole API from the shared store — it records starts, stops and decisions there
/// as a server standing by does, and a `TemporalCommandRelay` passes them on to Temporal.
private func temporalEngine(
    configuration: ServerConfiguration, temporal: TemporalEndpoint, store: EngineStore, engine engineConfiguration: EngineConfiguration,
    logger: Logger
) throws -> (LocalEngine, [any Service]) {
    guard let notices = store as? any StoreNotices else {
        EngineStores.service(of: store)?.shutdown()
        throw EngineError(code: .storeBusy, message: "the Temporal engine needs a PostgreSQL store its workers share (--store postgres://…)")
    }
    let relay = try TemporalCommandRelay(
        endpoint: temporal, taskQueue: configuration.temporalTaskQueue, identity: "aloft-serve \(TemporalWorkerConfiguration.processIdentity)",
        store: store, logger: logger
    )
    var engineConfiguration = engineConfiguration
    engineConfiguration.commandRecorded = { _ in relay.wake() }
    let bus = SharedRunEventBus(notices: notices, reader: store, logger: logger)
    let engine = LocalEngine(store: store, configuration: engineConfiguration, bus: bus, standingBy: true, logger: logger)
    return (engine, [bus, relay])
}

/// The HTTP application over a built engine: routes, middleware, and `services` (run before
/// the server starts, stopped after it) followed by retention when configured.
func assembleApplication(
    configuration: ServerConfiguration,
    engine: LocalEngine,
    agents: AgentRegistry,
    metrics: PrometheusCollectorRegistry,
    services: [any Service],
    engineRole: String? = nil,
    grpc: ExecutionGRPCServer? = nil,
    logger: Logger
) -> some ApplicationProtocol {
    let router = Router()
    if configuration.accessLog { router.add(middleware: AccessLogMiddleware(logger: logger)) }
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
    HealthRoutes(engine: engine, role: engineRole).register(on: router)
    if configuration.metricsRequireKey, !configuration.apiKeys.isEmpty {
        let protected = router.group()
        protected.add(middleware: BearerAuthMiddleware(keys: Set(configuration.apiKeys)))
        MetricsRoute(engine: engine, registry: metrics).register(on: protected)
    } else {
        MetricsRoute(engine: engine, registry: metrics).register(on: router)
    }
    let api = router.group("v1")
    if !configuration.apiKeys.isEmpty {
        api.add(middleware: BearerAuthMiddleware(keys: Set(configuration.apiKeys)))
    }
    let finished = FinishedRunCache()
    var services = services
    if let days = configuration.retentionDays {
        services.append(RetentionService(store: engine.pruner, days: days, scope: configuration.retentionScope, logger: logger) { _ in finished.removeAll() })
    }
    RunRoutes(engine: engine, agents: agents, configuration: configuration, finished: finished).register(on: api)
    SessionRoutes(engine: engine, agents: agents, configuration: configuration, finished: finished).register(on: api)
    AgentRoutes(engine: engine, agents: agents, configuration: configuration).register(on: api)
    // A2A checks keys itself: its card stays public, its errors are JSON-RPC's.
    let push = (engine.store as? any RunWebhookStore).map {
        A2APushDelivery(engine: engine, store: $0, targets: A2APushTargets(allowedHosts: configuration.pushAllowedHosts), logger: logger)
    }
    if let push { services.append(push) }
    A2ARoutes(engine: engine, agents: agents, configuration: configuration, logger: logger, push: push).register(on: router.group("a2a"))
    if let grpc { services.append(grpc) }
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
