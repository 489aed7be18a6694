import AloftCore
import AloftEngine
import AsyncHTTPClient
import Foundation
import Logging
import ServiceLifecycle

/// Runs the local engine for one CLI command: takes the database's engine lock, runs the
/// engine under a `ServiceGroup`, and stops it when the command is done. Returns nil without
/// running `body` when another process owns the database.
enum EngineHost {
    /// - Parameter onlyOwnRuns: the engine drives only the runs the command starts or acts on.
    /// - Parameter stopsOnSIGTERM: SIGTERM shuts the engine down gracefully (runs resume on the
    ///   next start). Commands that follow a run of their own pass false and stop that run on
    ///   SIGTERM themselves, as on Ctrl-C: the engine must live until the stop is recorded.
    static func withEngine<Result: Sendable>(
        store: EngineStore,
        configuration: EngineConfiguration = EngineConfiguration(),
        verbose: Bool,
        stopsOnSIGTERM: Bool = true,
        onlyOwnRuns: Bool = false,
        agentsFolder: String? = nil,
        _ body: @Sendable (LocalEngine) async throws -> Result
    ) async throws -> Result? {
        let logger = makeLogger(verbose: verbose)
        guard let lock = try await EngineStores.takeEngine(of: store, lost: EngineStores.stopAfterLosingLease(of: store, logger: logger)) else {
            return nil
        }
        defer { withExtendedLifetime(lock) {} }
        var configuration = configuration
        if let agentsFolder, configuration.agentNamed == nil {
            // Agents that call other agents find them beside the agent file.
            let folder = AgentFolder(directory: agentsFolder)
            configuration.agentNamed = { try folder.agent(named: $0) }
        }
        if onlyOwnRuns {
            // Other runs in the database are left alone (for `aloft resume` or a server); the
            // lock file says which runs this process drives, for `aloft runs list`.
            lock.record(driving: [])
            configuration.scope = .ownRuns(driving: { lock.record(driving: $0) })
        } else {
            lock.record(driving: nil)
        }
        let engine = LocalEngine(store: store, configuration: configuration, logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: engine)], gracefulShutdownSignals: stopsOnSIGTERM ? [.sigterm] : [], logger: logger
            )
        )
        return try await withThrowingTaskGroup(of: Result?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            do {
                let result = try await body(engine)
                await group.triggerGracefulShutdown()
                while let next = try await tasks.next() { if next != nil { break } }
                return result
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
        }
    }

    static func makeLogger(verbose: Bool) -> Logger {
        var logger = verbose ? Logger(label: "aloft") { StreamLogHandler.standardError(label: $0) } : Logger(label: "aloft") { _ in TerminalLogHandler() }
        logger.logLevel = verbose ? .debug : .warning
        return logger
    }
}

/// Standard error, for messages that are not the command's output.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Standard output without buffering delays, for streamed text. When the reader has gone
/// (`aloft run … | head`), `standardOutputClosed` fires instead of the process dying of SIGPIPE
/// with its run left half-way: the command stops its run as on Ctrl-C.
func write(_ text: String) {
    do {
        try FileHandle.standardOutput.write(contentsOf: Data(text.utf8))
    } catch {
        standardOutputClosed.fire()
    }
}

/// Fired when writing to standard output fails (its reader has gone).
let standardOutputClosed = TerminalStop()
