import AloftCore
import AloftEngine
import ArgumentParser
import Foundation

/// `aloft runs`: list, show and cancel runs.
struct Runs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show, follow, cancel and delete runs.",
        subcommands: [List.self, Show.self, Events.self, Cancel.self, Delete.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List runs, newest first.")

        @Option(name: .long, help: "Only runs in this phase (pending, running, waiting_for_approval, completed, failed, cancelled).")
        var phase: String?

        @Option(name: .long, help: "Only runs of this agent.")
        var agent: String?

        @Option(name: .long, help: "Only runs of this session.")
        var session: String?

        @Option(name: .long, help: "How many runs.")
        var limit = 20

        @Flag(name: .long, help: "One JSON object per line (a run under way that no process drives has \"driven\": false).")
        var json = false

        @OptionGroup var database: DatabaseOptions

        @OptionGroup var remote: ServerOptions

        func validate() throws {
            if let phase, RunPhase(rawValue: phase) == nil {
                throw ValidationError("--phase must be one of \(RunPhase.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if limit < 1 || limit > 10_000 { throw ValidationError("--limit must be between 1 and 10000") }
        }

        func run() async throws {
            if let api = remote.client {
                var query = "limit=\(limit)"
                for (name, value) in [("phase", phase), ("agent", agent), ("session_id", session)] {
                    if let value { query += "&\(name)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value)" }
                }
                let page = try await ServerOptions.acting { try await api.send(.GET, "/v1/runs?\(query)") }
                guard case .array(let runs) = page["data"] ?? .null else { return }
                if json {
                    for run in runs {
                        guard case .object(var object) = run else { continue }
                        object["type"] = "run"
                        write(JSONValue.object(object).jsonText() + "\n")
                    }
                    return
                }
                write("RUN                              PHASE                 AGENT           CREATED               INPUT\n")
                for run in runs {
                    let input = (run["input"]?.stringValue ?? "").replacingOccurrences(of: "\n", with: " ")
                    write(
                        "\((run["id"]?.stringValue ?? "").padding(32)) \((run["phase"]?.stringValue ?? "").padding(21)) "
                            + "\((run["agent"]?.stringValue ?? "").padding(15)) \((run["created_at"]?.stringValue ?? "").padding(21)) "
                            + "\(input.count > 50 ? String(input.prefix(50)) + "…" : input)\n"
                    )
                }
                return
            }
            guard let store = try await database.existingStore() else {
                if !json { printError(database.noDatabase("no runs")) }
                return
            }
            let runs = try await store.runs(RunQuery(phase: phase.flatMap(RunPhase.init), agent: agent, sessionId: session, limit: limit))
            // A shared database records the process executing its runs; SQLite's lock file says
            // which runs each process drives.
            let shared = store as? any EngineHolderRecord
            let executed = try await shared?.engineHolder() != nil
            let holder = shared == nil ? EngineLock.holder(database: store.location) : nil
            /// A run under way that no live process drives (its process died or stopped).
            func stalled(_ run: Run) -> Bool {
                guard run.phase == .pending || run.phase == .running else { return false }
                return shared != nil ? !executed : !(holder?.drives(run.id) ?? false)
            }
            if json {
                for run in runs {
                    write(RunJSON.line(run, type: "run", extra: stalled(run) ? ["driven": false] : [:]) + "\n")
                }
                return
            }
            if runs.isEmpty {
                printError("no runs in \(store.location)")
                return
            }
            let formatter = ISO8601DateFormatter()
            write("RUN                              PHASE                 AGENT           CREATED               INPUT\n")
            for run in runs {
                let input = run.input.replacingOccurrences(of: "\n", with: " ")
                let phase = stalled(run) ? "stalled (resume)" : run.phase.rawValue
                write(
                    "\(run.id.padding(32)) \(phase.padding(21)) \(run.agent.padding(15)) "
                        + "\(formatter.string(from: run.createdAt).padding(21)) \(input.count > 50 ? String(input.prefix(50)) + "…" : input)\n"
                )
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a run: its messages, tool calls, approvals (who decided, when), and its journal with times and step durations."
        )

        @Argument(help: "The run id.")
        var id: String

        @Flag(name: .long, help: "Print the run as one JSON line, as the API represents it (run, messages, journal).")
        var json = false

        @Flag(name: .long, help: "Also print the exact messages each model call was given.")
        var context = false

        @OptionGroup var database: DatabaseOptions

        @OptionGroup var remote: ServerOptions

        func run() async throws {
            let view: RunDetailView
            if let api = remote.client {
                view = try await ServerOptions.acting { try await RunDetailView.remote(api, id: id) }
            } else {
                let store = try await database.existingStore(forRun: id)
                guard let found = try await RunDetailView.local(store, id: id) else {
                    printError("error: no run \(id) in \(store.location)")
                    throw ExitCode(1)
                }
                view = found
            }
            write(json ? view.jsonLine + "\n" : view.text(context: context))
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a run: an answer being streamed is kept, marked interrupted.")

        @Argument(help: "The run id.")
        var id: String

        @Option(name: .long, help: "Why, for the record.")
        var reason: String?

        @OptionGroup var database: DatabaseOptions

        @OptionGroup var remote: ServerOptions

        func run() async throws {
            if let api = remote.client {
                var body: [String: JSONValue] = [:]
                if let reason { body["reason"] = .string(reason) }
                _ = try await ServerOptions.acting { try await api.send(.POST, "/v1/runs/\(id)/cancel", json: .object(body)) }
                printError("asked run \(id) to stop")
                return
            }
            let store = try await database.existingStore(forRun: id)
            try await RunCommandSender(store: store, verbose: database.verbose).send(to: id) { engine in
                try await engine.cancel(runId: id, reason: reason)
            } queued: {
                [.cancel(reason: reason)]
            }
        }
    }
}

extension Runs {
    struct Events: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a run's events as JSON lines (any run, also one started over the API).",
            discussion: "Events after --after (a number an earlier line carried, to resume where you left off); with --follow, also those still to come, until the run ends or waits for approval."
        )

        @Argument(help: "The run id.")
        var id: String

        @Option(name: .long, help: "Only events numbered above this.")
        var after = 0

        @Flag(name: .long, help: "Keep printing events as they are recorded, until the run ends or waits for a person (always, with --server).")
        var follow = false

        @OptionGroup var database: DatabaseOptions

        @OptionGroup var remote: ServerOptions

        func validate() throws {
            if after < 0 { throw ValidationError("--after must not be negative") }
        }

        func run() async throws {
            if let api = remote.client {
                try await ServerOptions.acting {
                    for try await event in api.events(runId: id, after: after) {
                        write(RunFollower.jsonLine(event) + "\n")
                        if event.kind.isTerminal || event.kind == .runPaused { return }
                    }
                }
                return
            }
            let store = try await database.existingStore(forRun: id)
            guard try await store.run(id: id) != nil else {
                printError("error: no run \(id) in \(store.location)")
                throw ExitCode(1)
            }
            var cursor = after
            while true {
                // The event log is the record: whichever process drives the run, its events
                // are read from it, a page at a time.
                let events = try await store.events(runId: id, after: cursor, before: nil, limit: 500)
                for event in events {
                    write(RunFollower.jsonLine(event) + "\n")
                    cursor = event.seq
                    if event.kind.isTerminal || (follow && event.kind == .runPaused) { return }
                }
                if events.count >= 500 { continue }
                guard follow, let run = try await store.run(id: id), !run.phase.isTerminal, run.phase != .waitingForApproval else { return }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a finished run with its messages, journal and events.")

        @Argument(help: "The run id.")
        var id: String

        @OptionGroup var database: DatabaseOptions

        @OptionGroup var remote: ServerOptions

        func run() async throws {
            if let api = remote.client {
                try await ServerOptions.acting { try await api.send(.DELETE, "/v1/runs/\(id)") }
                printError("deleted run \(id)")
                return
            }
            let store = try await database.existingStore(forRun: id)
            guard let run = try await store.run(id: id) else {
                printError("error: no run \(id) in \(store.location)")
                throw ExitCode(1)
            }
            guard run.phase.isTerminal else {
                printError("error: run \(id) is \(run.phase.rawValue); stop it first (aloft runs cancel \(id))")
                throw ExitCode(1)
            }
            _ = try await store.deleteRun(id: id)
            printError("deleted run \(id)")
        }
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
