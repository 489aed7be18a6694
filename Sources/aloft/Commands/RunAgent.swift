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

    @Option(name: .long, help: "The agent file (YAML).")
    var agent: String

    @Option(name: .long, help: "Continue this session (multi-turn); a new session is created otherwise.")
    var session: String?

    @Flag(name: .long, help: "Print every event as a JSON line on standard output.")
    var json = false

    @Flag(name: .long, help: "Never ask for approval at the terminal; leave the run waiting instead.")
    var noInput = false

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "What to ask the agent; `-` (or nothing, with piped input) reads it from standard input.")
    var input: [String] = []

    func run() async throws {
        let definition: AgentDefinition
        do {
            definition = try AgentFile.load(path: agent)
        } catch let error as AgentFileError {
            printError(error.description)
            throw ExitCode(2)
        }
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
        let store = try database.openStore()
        let request = StartRunRequest(agent: definition, input: text, sessionId: session)
        // Standard input given as the question cannot also answer approval questions.
        let interactive = !noInput && !json && !fromStandardInput && RunFollower.stdinIsTerminal
        let json = self.json
        let outcome: Run?
        do {
            outcome = try await EngineHost.withEngine(store: store, verbose: database.verbose, stopsOnSIGTERM: false, onlyOwnRuns: true) { engine in
                let run = try await engine.start(request)
                if !json { printError("run \(run.id) · session \(run.sessionId) · agent \(run.agent)") }
                let stop = TerminalStop()
                return try await withThrowingTaskGroup(of: Run?.self) { group in
                    group.addTask {
                        try await RunFollower(engine: engine, json: json, interactive: interactive, stop: stop).follow(runId: run.id, after: 0)
                        return try await engine.store.run(id: run.id)
                    }
                    group.addTask {
                        // Ctrl-C or SIGTERM stops the run; a second one leaves at once (the run resumes later).
                        for await signal in await UnixSignalsSequence(trapping: .sigint, .sigterm) {
                            if stop.fired { Foundation.exit(signal == .sigterm ? 143 : 130) }
                            printError("\nstopping run \(run.id)… (\(signal == .sigterm ? "SIGTERM" : "Ctrl-C") again to leave now)")
                            stop.fire()
                            try? await engine.cancel(runId: run.id, reason: "stopped from the terminal")
                        }
                        return nil
                    }
                    group.addTask {
                        // Nobody reads the answer any more (`| head` exited): stop the run as on Ctrl-C.
                        await standardOutputClosed.wait()
                        guard !Task.isCancelled, !stop.fired else { return nil }
                        printError("standard output was closed; stopping run \(run.id)")
                        stop.fire()
                        try? await engine.cancel(runId: run.id, reason: "its output was closed")
                        return nil
                    }
                    var finished: Run?
                    while let next = try await group.next() {
                        if let next {
                            finished = next
                            break
                        }
                    }
                    group.cancelAll()
                    guard let finished else { throw CancellationError() }
                    return finished
                }
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
        switch outcome.phase {
        case .completed: return
        case .waitingForApproval: throw ExitCode(3)
        default: throw ExitCode(1)
        }
    }
}
