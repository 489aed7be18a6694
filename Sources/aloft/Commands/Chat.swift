import AloftCore
import AloftEngine
import ArgumentParser
import AsyncHTTPClient
import Foundation
import Synchronization
import UnixSignals

/// `aloft chat`: an interactive multi-turn conversation in the terminal.
struct Chat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chat with an agent: multi-turn, streaming; Ctrl-C stops the current answer, /exit or Ctrl-D leaves.",
        discussion: """
            With --server the chat runs on an Aloft server (the agent is one of its agents); without, it runs here on the
            local database (the agent is a file, or a name in --agents). A tool that needs approval asks inline.
            """
    )

    @Option(name: .long, help: "The agent: its name on the server, or a file (or a name in --agents) when embedded.")
    var agent: String

    @Option(name: .long, help: "Continue this session.")
    var session: String?

    @Option(name: .long, help: "Label a new session name=value (repeat for several); `aloft sessions list --metadata` finds it.")
    var metadata: [String] = []

    @OptionGroup var remote: ServerOptions

    @Option(name: .long, help: "Folder of agent files for names, when embedded.")
    var agents = "agents"

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if session != nil, !metadata.isEmpty { throw ValidationError("--metadata labels a new session; it cannot be used with --session") }
        _ = try Sessions.labels(metadata)
    }

    func run() async throws {
        let labels = try Sessions.labels(metadata)
        if let api = remote.client {
            do {
                var sessionId = session ?? ""
                if let session {
                    // Refused at start, not at the first message; what came before is shown.
                    do {
                        let found = try await api.send(.GET, "/v1/sessions/\(session)?messages_limit=1")
                        if let owner = found["agent"]?.stringValue, owner != agent {
                            printError("error: session \(session) belongs to agent '\(owner)', not '\(agent)'")
                            throw ExitCode(2)
                        }
                    } catch let error as APIClientError where error.status == 404 {
                        printError("error: no session \(session) on \(api.baseURL); omit --session to start a new one")
                        throw ExitCode(2)
                    }
                    let messages = try await SessionDetailView.messages(api, sessionId: session)
                    Self.showEarlier(messages.suffix(6).compactMap { message in
                        guard let role = message["role"]?.stringValue.flatMap(Role.init), let content = message["content"]?.stringValue else { return nil }
                        return (role, content)
                    })
                } else {
                    sessionId = try await api.send(
                        .POST, "/v1/sessions", json: ["agent": .string(agent), "metadata": .object(labels.mapValues(JSONValue.string))]
                    )["id"]?.stringValue ?? ""
                }
                let chosen = sessionId
                try await converse(channel: RemoteRunChannel(api: api), sessionId: chosen) { input in
                    try await api.send(.POST, "/v1/sessions/\(chosen)/messages", json: ["input": .string(input)])["id"]?.stringValue ?? ""
                }
            } catch let error as APIClientError {
                printError("error: \(error)")
                throw ExitCode(1)
            }
            return
        }
        let path = FileManager.default.fileExists(atPath: agent) ? agent : (agents as NSString).appendingPathComponent("\(agent).yaml")
        let definition: AgentDefinition
        do {
            definition = try AgentFile.load(path: path)
        } catch let error as AgentFileError {
            printError(error.description)
            throw ExitCode(2)
        }
        if let session {
            // Refused at start, not at the first message; what came before is shown.
            guard let store = try await database.existingStore(), let found = try await store.session(id: session) else {
                printError("error: no session \(session) in \(database.shownPath); omit --session to start a new one")
                throw ExitCode(2)
            }
            guard found.agent == definition.name else {
                printError("error: session \(session) belongs to agent '\(found.agent)', not '\(definition.name)'")
                throw ExitCode(2)
            }
            Self.showEarlier(try await store.messages(sessionId: session, last: 6).map { ($0.role, $0.content) })
        }
        let store = try await database.openStore()
        let folder = (path as NSString).deletingLastPathComponent
        let done = try await EngineHost.withEngine(
            store: store, verbose: database.verbose, stopsOnSIGTERM: false, onlyOwnRuns: true, agentsFolder: folder.isEmpty ? "." : folder
        ) { engine in
            var sessionId = session ?? ""
            if session == nil { sessionId = try await engine.createSession(agent: definition, userId: nil, title: nil, metadata: labels).id }
            let chosen = sessionId
            try await converse(channel: EngineRunChannel(engine: engine), sessionId: chosen) { input in
                try await engine.start(StartRunRequest(agent: definition, input: input, sessionId: chosen)).id
            }
            return true
        }
        if done == nil {
            printError("error: another aloft process owns \(store.location); use --server to chat through it, or another --db")
            throw ExitCode(2)
        }
    }

    /// The last turns of a continued session: what the person said and what the agent answered.
    private static func showEarlier(_ messages: [(role: Role, content: String)]) {
        let earlier = messages.filter { $0.role == .user || ($0.role == .assistant && !$0.content.isEmpty) }
        if !earlier.isEmpty { printError("earlier in this session:") }
        for message in earlier {
            let text = message.content.replacingOccurrences(of: "\n", with: " ")
            printError("  \(message.role == .user ? "you" : "agent")> \(text.count > 200 ? String(text.prefix(200)) + "…" : text)")
        }
    }

    /// The conversation loop: read a line, start a turn, follow it. Ctrl-C stops the turn
    /// (also at an approval question); SIGTERM stops it and leaves.
    private func converse(channel: any RunChannel, sessionId: String, send: @escaping @Sendable (String) async throws -> String) async throws {
        printError("session \(sessionId) · Ctrl-C stops an answer · /exit or Ctrl-D leaves")
        // At a terminal, ↑ brings back lines typed here before, also in earlier chats.
        TerminalInput.shared.keepHistory(in: LineHistoryFile.standard)
        let current = CurrentRun()
        // Trapped before the first prompt: a Ctrl-C that came before the task below began to
        // listen would otherwise end the process.
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await signal in signals {
                    if let (runId, stop) = current.turn.withLock({ $0 }) {
                        printError("\nstopping…")
                        stop.fire()
                        try? await channel.cancel(runId: runId, reason: "stopped from the terminal")
                    } else if signal == .sigint {
                        printError("\n(/exit or Ctrl-D leaves)")
                    }
                    if signal == .sigterm {
                        current.leaving.withLock { $0 = true }
                        if current.turn.withLock({ $0 }) == nil { return }
                    }
                }
            }
            group.addTask {
                while !current.leaving.withLock({ $0 }) {
                    FileHandle.standardError.write(Data("\nyou> ".utf8))
                    guard case .text(let line)? = await TerminalInput.shared.next(prompt: "you> ", remember: true) else { break }
                    let input = line.trimmingCharacters(in: .whitespaces)
                    if input.isEmpty { continue }
                    if input == "/exit" || input == "/quit" { break }
                    if line.hasPrefix("/") {
                        // Commands are for the chat, never sent to the model (a typo would be).
                        if input == "/help" {
                            printError("/exit or /quit leaves (so does Ctrl-D) · /help shows this · Ctrl-C stops an answer or an approval question\n↑/↓ earlier lines (kept across chats) · ←/→, Ctrl-A/E move · Ctrl-U/K/W delete")
                        } else {
                            printError("unknown command \(input.split(separator: " ").first ?? ""); /help lists them (start with a space to send a line beginning with /)")
                        }
                        continue
                    }
                    let stop = TerminalStop()
                    do {
                        let runId = try await send(input)
                        current.turn.withLock { $0 = (runId, stop) }
                        try await RunFollower(channel: channel, json: false, interactive: true, stop: stop).follow(runId: runId, after: 0)
                    } catch let error as APIClientError {
                        printError("error: \(error)")
                    } catch let error as EngineError {
                        printError("error: \(error)")
                    }
                    current.turn.withLock { $0 = nil }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }
}

/// The run the chat is following, so Ctrl-C knows what to stop.
final class CurrentRun: Sendable {
    /// The run of the turn under way, and the stop that ends its approval questions.
    let turn = Mutex<(runId: String, stop: TerminalStop)?>(nil)
    /// SIGTERM arrived: leave once the turn under way has stopped.
    let leaving = Mutex(false)
}
