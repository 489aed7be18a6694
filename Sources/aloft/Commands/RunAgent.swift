import AloftCore
import AloftEngine
import ArgumentParser
import Foundation
import UnixSignals

/// `aloft run`: runs an agent on an input, streaming its answer.
struct RunAgent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an agent on an input and stream its answer.",
        discussion: """
            Exit status: 0 completed, 1 failed or cancelled, 2 bad arguments or agent file, 3 waiting for approval.
            Ctrl-C or SIGTERM stops the run (the partial answer is kept; a second one leaves at once, and the run is
            resumed by `aloft resume`); a killed process's run resumes with `aloft resume`.
            """
    )

    @Option(name: .long, help: "The agent file (YAML); with --server, the name of one of the server's agents (a file is sent as its definition).")
    var agent: String

    @Option(name: .long, help: "Continue this session (multi-turn); a new session is created otherwise.")
    var session: String?

    @Flag(name: .long, help: "Print every event as a JSON line on standard output.")
    var json = false

    @Flag(name: .long, help: "Never ask for approval at the terminal; leave the run waiting instead.")
    var noInput = false

    @OptionGroup var database: DatabaseOptions

    @OptionGroup var remote: ServerOptions

    @Argument(help: "What to ask the agent; `-` (or nothing, with piped input) reads it from standard input.")
    var input: [String] = []

    func run() async throws {
        let api = remote.client
        // A bad agent file is reported before any input is read.
        let definition = FileManager.default.fileExists(atPath: agent) || api == nil ? try Self.load(agent) : nil
        let fromStandardInput = input == ["-"] || (input.isEmpty && !RunFollower.stdinIsTerminal)
        var text = input.joined(separator: " ")
        if fromStandardInput {
            // At most one byte over the engine's limit: enough for it to say the input is too large.
            let limit = EngineConfiguration().maxInputBytes + 1
            text = String(decoding: (try? FileHandle.standardInput.read(upToCount: limit)) ?? Data(), as: UTF8.self)
        } else if input.isEmpty {
            printError("error: say what to ask the agent: aloft run --agent FILE \"your question\" (or - to read it from standard input)")
            throw ExitCode(2)
        }
        // Standard input given as the question cannot also answer approval questions.
        let interactive = !noInput && !json && !fromStandardInput && RunFollower.stdinIsTerminal
        if let api {
            try await runOnServer(api, definition: definition, input: text, interactive: interactive)
            return
        }
        guard let definition else { return }  // loaded above whenever no server is named
        let store = try await database.openStore()
        let request = StartRunRequest(agent: definition, input: text, sessionId: session)
        let json = self.json
        let outcome: Run?
        do {
            outcome = try await EngineHost.withEngine(
                store: store, verbose: database.verbose, stopsOnSIGTERM: false, onlyOwnRuns: true,
                agentsFolder: (agent as NSString).deletingLastPathComponent.isEmpty ? "." : (agent as NSString).deletingLastPathComponent
            ) { engine in
                let run = try await engine.start(request)
                if !json { printError("run \(run.id) · session \(run.sessionId) · agent \(run.agent)") }
                try await Self.drive(channel: EngineRunChannel(engine: engine), runId: run.id, json: json, interactive: interactive)
                guard let finished = try await engine.store.run(id: run.id) else { throw CancellationError() }
                return finished
            }
        } catch let error as EngineError {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        guard let outcome else {
            printError("error: another aloft process is using \(store.location); wait for it to finish, or use another --db")
            throw ExitCode(2)
        }
        if json { write(RunJSON.line(outcome, type: "run") + "\n") }
        try Self.exit(for: outcome.phase)
    }

    /// Starts the run on a server (the agent by name, or a file sent as its definition) and
    /// follows it there, as a local run is followed.
    private func runOnServer(_ api: AloftAPIClient, definition: AgentDefinition?, input: String, interactive: Bool) async throws {
        var body: [String: JSONValue] = ["input": .string(input)]
        if let definition {
            body["agent_definition"] = try JSONValue.parse(String(decoding: try JSONEncoder().encode(definition), as: UTF8.self))
        } else {
            body["agent"] = .string(agent)
        }
        if let session { body["session_id"] = .string(session) }
        let json = self.json
        try await ServerOptions.acting {
            let started: JSONValue
            do {
                started = try await api.send(.POST, "/v1/runs", json: .object(body))
            } catch let error as APIClientError where error.status == 422 || error.status == 404 {
                printError("error: \(error)")
                throw ExitCode(2)
            }
            let runId = started["id"]?.stringValue ?? ""
            if !json {
                printError("run \(runId) · session \(started["session_id"]?.stringValue ?? "") · agent \(started["agent"]?.stringValue ?? "") · on \(api.baseURL)")
            }
            try await Self.drive(channel: RemoteRunChannel(api: api), runId: runId, json: json, interactive: interactive)
            let run = try await api.send(.GET, "/v1/runs/\(runId)")
            if json {
                var object = run.objectValue ?? [:]
                object["type"] = "run"
                write(JSONValue.object(object).jsonText() + "\n")
            }
            try Self.exit(for: run["phase"]?.stringValue.flatMap(RunPhase.init) ?? .running)
        }
    }

    private static func load(_ path: String) throws -> AgentDefinition {
        do {
            return try AgentFile.load(path: path)
        } catch let error as AgentFileError {
            printError(error.description)
            throw ExitCode(2)
        }
    }

    /// The exit status for how the run ended: 0 completed, 3 waiting for approval, 1 otherwise.
    private static func exit(for phase: RunPhase) throws {
        switch phase {
        case .completed: return
        case .waitingForApproval: throw ExitCode(3)
        default: throw ExitCode(1)
        }
    }

    /// Follows run `runId` until it ends or waits for a person. Ctrl-C or SIGTERM stops it (a
    /// second one leaves at once; the run resumes later); so does a closed standard output.
    static func drive(channel: any RunChannel, runId: String, json: Bool, interactive: Bool) async throws {
        let stop = TerminalStop()
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                _ = try await RunFollower(channel: channel, json: json, interactive: interactive, stop: stop).follow(runId: runId, after: 0)
                return true
            }
            group.addTask {
                for await signal in await UnixSignalsSequence(trapping: .sigint, .sigterm) {
                    if stop.fired { Foundation.exit(signal == .sigterm ? 143 : 130) }
                    printError("\nstopping run \(runId)… (\(signal == .sigterm ? "SIGTERM" : "Ctrl-C") again to leave now)")
                    stop.fire()
                    try? await channel.cancel(runId: runId, reason: "stopped from the terminal")
                }
                return false
            }
            group.addTask {
                // Nobody reads the answer any more (`| head` exited): stop the run as on Ctrl-C.
                await standardOutputClosed.wait()
                guard !Task.isCancelled, !stop.fired else { return false }
                printError("standard output was closed; stopping run \(runId)")
                stop.fire()
                try? await channel.cancel(runId: runId, reason: "its output was closed")
                return false
            }
            while let followed = try await group.next() {
                if followed { break }
            }
            group.cancelAll()
        }
    }
}
