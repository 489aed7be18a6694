import AloftCore
import AloftEngine
import AloftLLM
import AloftRuntime
import AloftTemporal
import AloftTools
import ArgumentParser
import CoreMetrics
import Foundation
import Logging
import ServiceLifecycle

/// `aloft worker`: executes runs on Temporal — the run workflow's tasks and the model and
/// tool calls — recording them in the PostgreSQL store API servers read from.
struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Execute agent runs on Temporal (servers started with 'aloft serve --engine temporal' hand them over).",
        discussion: """
            Start as many workers as you like, on any machine that reaches Temporal and the PostgreSQL store: each
            takes workflow tasks and model and tool calls from the task queue. Model API keys and tool secrets come
            from the worker's environment. SIGTERM or Ctrl-C stop taking tasks and let those under way finish (at
            most 30 s); a worker that is killed loses nothing — its calls run again on another worker after 10 s,
            with the same idempotency keys.
            """
    )

    @OptionGroup var temporal: TemporalOptions

    @Option(name: .long, help: "The PostgreSQL store the API servers use: postgres://user:password@host:5432/database (default $ALOFT_STORE).")
    var store: String?

    @Option(name: .long, help: "A folder of agent files to check at start: each must be runnable here (its model key and tools present).")
    var agents: String?

    @Option(name: .long, help: "Model and tool calls at once (default 100); more wait in Temporal's task queue.")
    var maxConcurrentActivities = 100

    @Flag(name: .long, help: "Log each task to standard error.")
    var verbose = false

    /// The benchmark's `lookup` tool besides the standard builtins (`aloft bench --engine temporal`
    /// starts its worker with it).
    @Flag(name: .long, help: .hidden)
    var benchmarkTools = false

    private var storeURL: String? { store ?? ProcessInfo.processInfo.environment["ALOFT_STORE"].flatMap { $0.isEmpty ? nil : $0 } }

    func validate() throws {
        guard let url = storeURL, EngineStores.isShared(url) else {
            throw ValidationError("a worker needs the PostgreSQL store of the API servers: --store postgres://USER:PASSWORD@HOST:5432/DATABASE")
        }
        guard (1...10_000).contains(maxConcurrentActivities) else { throw ValidationError("--max-concurrent-activities must be between 1 and 10000") }
    }

    func run() async throws {
        var logger = Logger(label: "aloft-worker") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .debug : .info
        let configuration = TemporalWorkerConfiguration(
            endpoint: try temporal.endpoint(), taskQueue: temporal.taskQueueName, maxConcurrentActivities: maxConcurrentActivities
        )
        let url = storeURL ?? ""
        let store: EngineStore
        do {
            store = try await EngineStores.open(url, durability: .powerCut, logger: logger)
        } catch let error as StoreError {
            printError("error: \(error.message)")
            throw ExitCode(1)
        }
        let environment = ProcessInfo.processInfo.environment
        let builtins = benchmarkTools ? BenchmarkWorkload.configuration.builtins : Toolbox.standardBuiltins
        // Agents that call other agents start child runs as an API server starts runs: recorded
        // in the store, handed to Temporal by a command relay, followed through the store's notices.
        var children: (front: LocalEngine, services: [any Service])?
        if let notices = store as? any StoreNotices {
            let relay = try TemporalCommandRelay(
                endpoint: configuration.endpoint, taskQueue: configuration.taskQueue, identity: "\(configuration.identity) children", store: store, logger: logger
            )
            var front = EngineConfiguration(environment: environment, builtins: builtins)
            front.commandRecorded = { _ in relay.wake() }
            let folder = agents.map { AgentFolder(directory: $0) }
            front.agentNamed = { name in
                if let agent = try folder?.agent(named: name) { return agent }
                return try await store.storedAgents().first { $0.definition.name == name }?.definition
            }
            let followers = SharedRunEventBus(notices: notices, reader: store, logger: logger)
            children = (LocalEngine(store: store, configuration: front, bus: followers, standingBy: true, logger: logger), [followers, relay])
        }
        let catalog = AgentCatalog(
            environment: environment, builtins: builtins, outbound: OutboundHTTPConfiguration(), metrics: NOOPMetricsHandler.instance,
            forbiddenFiles: store.files, children: children?.front.childRunner
        )
        if let agents { await checkAgents(in: agents, catalog: catalog) }
        // Streamed text reaches the subscribers of every API server through the store's notices.
        // Nobody subscribes in a worker: it publishes (deltas reach the API servers), keeps nothing.
        let bus: any RunEventBus =
            (store as? any StoreNotices).map { SharedRunEventBus(notices: $0, reader: store, retainedRuns: 0, logger: logger) } ?? RunEventHub(retainedRuns: 0)
        let worker = TemporalWorker(
            configuration: configuration, store: store, catalog: catalog, bus: bus, metrics: RunMetrics(factory: NOOPMetricsHandler.instance),
            logger: logger
        )
        printError(
            "aloft worker \(configuration.identity) · Temporal \(configuration.endpoint) · task queue \(configuration.taskQueue) · store \(EngineStores.display(url))"
        )
        // The store closes after the worker has drained (services stop in reverse order).
        var services = ServiceGroupConfiguration(
            services: (EngineStores.service(of: store).map { [.init(service: $0)] } ?? []) + (children?.services ?? []).map { .init(service: $0) }
                + [.init(service: worker)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
        )
        services.maximumGracefulShutdownDuration = .seconds(30)
        try await ServiceGroup(configuration: services).run()
    }

    /// Reports the agent files this worker could not run (a missing key, an unknown builtin).
    private func checkAgents(in directory: String, catalog: AgentCatalog) async {
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            printError("warning: \(directory): the agents directory cannot be read")
            return
        }
        for file in files.sorted() where [".yaml", ".yml", ".json"].contains(where: file.hasSuffix) {
            let path = (directory as NSString).appendingPathComponent(file)
            do {
                _ = try await catalog.runtime(for: try AgentFile.load(path: path))
            } catch let error as AgentFileError {
                printError("warning: \(error.description)")
            } catch let error as EngineError {
                printError("warning: \(path): this worker cannot run it: \(error.message)")
            } catch {
                printError("warning: \(path): \(error)")
            }
        }
    }
}
