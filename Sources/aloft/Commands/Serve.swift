import AloftCore
import AloftEngine
import AloftServer
import ArgumentParser
import Foundation
import Logging
import Hummingbird
import ServiceLifecycle

/// `aloft serve`: the HTTP server (REST + SSE) with the local engine.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the REST + SSE API (see /openapi.json) with the local engine.",
        discussion: """
            Configuration comes from --config (YAML), then ALOFT_HOST, ALOFT_PORT, ALOFT_DB, ALOFT_AGENTS_DIR,
            ALOFT_API_KEYS (comma-separated), ALOFT_MAX_BODY_BYTES, ALOFT_CORS_ORIGINS, then these flags. Without API
            keys the server listens on 127.0.0.1 only, answers only requests addressed to localhost, and refuses
            agent definitions sent with a request. SIGTERM or Ctrl-C shut it down gracefully; runs resume on the
            next start.
            """
    )

    @Option(name: .long, help: "A YAML configuration file.")
    var config: String?

    @Option(name: .long, help: "Address to listen on (only honoured with API keys; else 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "Port to listen on (default 8080; 0 picks a free one).")
    var port: Int?

    @Option(name: .long, help: "The database file (default .aloft/aloft.db).")
    var db: String?

    @Option(name: .long, help: "Folder of agent files loaded at start.")
    var agents: String?

    @Option(name: .long, help: "An API key clients must send as 'Authorization: Bearer <key>' (repeatable).")
    var apiKey: [String] = []

    @Flag(name: .long, help: "Log each step to standard error.")
    var verbose = false

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
        if let db { settings.database = db }
        if let agents { settings.agentsDirectory = agents }
        if !apiKey.isEmpty { settings.apiKeys = apiKey }
        let problems = settings.problems()
        guard problems.isEmpty else {
            for problem in problems { printError("error: \(problem)") }
            throw ExitCode(2)
        }
        var logger = EngineHost.makeLogger(verbose: verbose)
        logger.logLevel = verbose ? .debug : .info
        do {
            let (application, wiring) = try await buildApplication(configuration: settings, logger: logger)
            for problem in wiring.agentProblems { printError("warning: \(problem)") }
            if settings.bindsLoopbackOnly {
                let asked = settings.host == "127.0.0.1" ? "" : " instead of \(settings.host)"
                printError("no API keys configured: /v1 needs no key, so the server listens on 127.0.0.1 only\(asked) (set ALOFT_API_KEYS or --api-key to require keys and listen elsewhere)")
            }
            printError("aloft serving http://\(settings.effectiveHost):\(settings.port) · database \(settings.database) · \(wiring.agents.count) agent(s)")
            try await application.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        } catch let error as EngineError where error.code == .storeBusy {
            printError("error: \(error.message)")
            throw ExitCode(2)
        }
    }
}
