import AloftCore
import AloftEngine
import AloftServer
import ArgumentParser
import UnixSignals
import Foundation
import Logging
import Hummingbird
import ServiceLifecycle
import Synchronization

/// `aloft serve`: the HTTP server (REST + SSE) with the local engine, or in front of Temporal workers.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the REST + SSE API (see /openapi.json) with the local engine, or with runs executed on Temporal.",
        discussion: """
            Configuration comes from --config (YAML), then ALOFT_HOST, ALOFT_PORT, ALOFT_DB, ALOFT_AGENTS_DIR,
            ALOFT_API_KEYS (comma-separated), ALOFT_MAX_BODY_BYTES, ALOFT_CORS_ORIGINS, then these flags. Without API
            keys the server listens on 127.0.0.1 only, answers only requests addressed to localhost, and refuses
            agent definitions sent with a request. SIGTERM or Ctrl-C shut it down gracefully (event streams close after 1 s,
            clients reconnect; at most 15 s in all); a second one quits at once. Runs resume on the next start.

            With --engine temporal, `aloft worker` processes execute the runs on Temporal; any number of servers
            serve the API from the PostgreSQL store the workers share (--store).
            """
    )

    @Option(name: .long, help: "A YAML configuration file.")
    var config: String?

    @Option(name: .long, help: "Address to listen on (only honoured with API keys; else 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "Port to listen on (default 8080; 0 picks a free one).")
    var port: Int?

    @Option(name: .customLong("grpc-port"), help: "Also serve the gRPC API (executions: proto/aloft/execution/v1) on this port, with the same API keys (default $ALOFT_GRPC_PORT; none).")
    var grpcPort: Int?

    @Option(name: .long, help: "The database file (default: $ALOFT_DB, else the config file's database, else ~/.local/share/aloft/aloft.db).")
    var db: String?

    @Option(name: .long, help: "A PostgreSQL database many servers share: postgres://user:password@host:5432/database (default $ALOFT_STORE).")
    var store: String?

    @Option(name: .long, help: "Folder of agent files loaded at start.")
    var agents: String?

    @Option(name: .long, help: "An API key clients must send as 'Authorization: Bearer <key>' (repeatable).")
    var apiKey: [String] = []

    @Option(name: .long, help: "local (default: this process executes runs) or temporal (aloft worker processes do, on Temporal; needs --store).")
    var engine: String?

    @OptionGroup(title: "Temporal (with --engine temporal)")
    var temporal: TemporalOptions

    @Flag(name: .long, help: "Log each step to standard error.")
    var verbose = false

    func validate() throws {
        guard ["local", "temporal"].contains(engineName) else { throw ValidationError("--engine must be local or temporal, not '\(engineName)'") }
    }

    private var engineName: String { engine ?? ProcessInfo.processInfo.environment["ALOFT_ENGINE"].flatMap { $0.isEmpty ? nil : $0 } ?? "local" }

    func run() async throws {
        var settings = ServerConfiguration()
        do {
            if let config { try settings.apply(file: config) }
            try settings.apply(environment: ProcessInfo.processInfo.environment)
        } catch let error as ConfigurationError {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        if let host { settings.host = host }
        if let port { settings.port = port }
        if let grpcPort { settings.grpcPort = grpcPort }
        if let db { settings.database = db }
        if let store {
            guard EngineStores.isShared(store) else {
                printError("error: --store takes a postgres:// URL (for a SQLite file, use --db)")
                throw ExitCode(2)
            }
            settings.database = store
        }
        if let agents { settings.agentsDirectory = agents }
        if !apiKey.isEmpty { settings.apiKeys = apiKey }
        if engineName == "temporal" {
            settings.temporal = try temporal.endpoint()
            settings.temporalTaskQueue = temporal.taskQueueName
        } else {
            settings.temporal = nil
        }
        let problems = settings.problems()
        guard problems.isEmpty else {
            for problem in problems { printError("error: \(problem)") }
            throw ExitCode(2)
        }
        // A server's log is structured (timestamps, levels, fields), for log collectors.
        var logger = Logger(label: "aloft") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .debug : .info
        do {
            let (application, wiring) = try await buildApplication(configuration: settings, logger: logger)
            for problem in wiring.agentProblems { printError("warning: \(problem)") }
            if settings.bindsLoopbackOnly {
                let asked = settings.host == "127.0.0.1" ? "" : " instead of \(settings.host)"
                printError("no API keys configured: /v1 needs no key, so the server listens on 127.0.0.1 only\(asked) (set ALOFT_API_KEYS or --api-key to require keys and listen elsewhere)")
            }
            if let grpcPort = settings.grpcPort { printError("gRPC API on \(settings.effectiveHost):\(grpcPort) (aloft.execution.v1)") }
            printError("aloft serving http://\(settings.effectiveHost):\(settings.port) · database \(EngineStores.display(settings.database)) · \(wiring.agents.count) agent(s)")
            if let endpoint = settings.temporal {
                printError("runs execute on Temporal at \(endpoint), task queue \(settings.temporalTaskQueue): start workers with 'aloft worker'")
            } else if !wiring.engine.isExecuting {
                printError("standing by: another process executes the runs of this database; this one serves the API and takes over within seconds if that one stops")
            }
            var services = ServiceGroupConfiguration(
                services: [.init(service: application)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
            )
            // Bounded: whatever holds it up, the shutdown ends (runs are safe in their journals).
            services.maximumGracefulShutdownDuration = .seconds(15)
            let group = ServiceGroup(configuration: services)
            let reader = wiring.engine.reader
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                tasks.addTask {
                    // The first signal shuts down gracefully (the group hears it too); a second one quits at once.
                    var signalled = false
                    for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                        let name = signal == .sigterm ? "SIGTERM" : "Ctrl-C"
                        if signalled {
                            printError("quitting now; every run resumes from its journal on the next start")
                            Foundation.exit(signal == .sigterm ? 143 : 130)
                        }
                        signalled = true
                        // The count is a courtesy: the database may be closing at this very moment (or be
                        // gone), and the shutdown must not wait for it.
                        if let counts = await Self.runCounts(reader, within: .seconds(1)) {
                            let underWay = (counts[.running] ?? 0) + (counts[.pending] ?? 0)
                            printError(
                                "shutting down: event streams close in 1 s (clients reconnect with Last-Event-ID); "
                                    + "\(underWay) run(s) under way stop after their current step and resume on the next start; "
                                    + "\(counts[.waitingForApproval] ?? 0) wait for approval; \(name) again to quit now"
                            )
                        } else {
                            printError(
                                "shutting down: event streams close in 1 s (clients reconnect with Last-Event-ID); runs under way stop "
                                    + "after their current step and resume on the next start; \(name) again to quit now"
                            )
                        }
                    }
                }
                try await tasks.next()
                tasks.cancelAll()
            }
        } catch let error as EngineError where error.code == .storeBusy {
            printError("error: \(error.message)")
            throw ExitCode(2)
        } catch let error as StoreError {
            // Unreachable, refused, or newer than this Aloft: said plainly, password masked.
            printError("error: \(error.message)")
            throw ExitCode(1)
        }
    }

    /// Runs by phase, unless the store takes longer than `limit` to say (the query goes on
    /// unawaited: a store shutting down may never answer it).
    private static func runCounts(_ reader: any RunReader, within limit: Duration) async -> [RunPhase: Int]? {
        let pending = Mutex<CheckedContinuation<[RunPhase: Int]?, Never>?>(nil)
        return await withCheckedContinuation { continuation in
            pending.withLock { $0 = continuation }
            let answer: @Sendable ([RunPhase: Int]?) -> Void = { counts in pending.withLock { $0.take() }?.resume(returning: counts) }
            Task { answer(try? await reader.runCountsByPhase()) }
            Task {
                try? await Task.sleep(for: limit)
                answer(nil)
            }
        }
    }
}
