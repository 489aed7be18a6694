import AloftCore
import AloftEngine
import ArgumentParser
import Foundation

/// `aloft sessions`: list, show and delete conversations.
struct Sessions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show and delete sessions (multi-turn conversations).",
        subcommands: [List.self, Show.self, Delete.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List sessions, newest first.")

        @Option(name: .long, help: "Only sessions of this agent.")
        var agent: String?

        @Option(name: .long, help: "Only sessions of this user.")
        var user: String?

        @Option(name: .long, help: "How many sessions.")
        var limit = 20

        @Flag(name: .long, help: "One JSON object per line.")
        var json = false

        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            if limit < 1 || limit > 10_000 { throw ValidationError("--limit must be between 1 and 10000") }
        }

        func run() async throws {
            guard let store = try database.existingStore() else {
                if !json { printError(database.noDatabase("no sessions")) }
                return
            }
            let sessions = try await store.sessions(SessionQuery(agent: agent, userId: user, limit: limit))
            if json {
                for session in sessions { write(RunJSON.line(session, type: "session") + "\n") }
                return
            }
            if sessions.isEmpty {
                printError("no sessions in \(store.location)")
                return
            }
            write("SESSION                          AGENT           UPDATED               ACTIVE RUN                       TITLE\n")
            for session in sessions {
                let title = (session.title ?? "").replacingOccurrences(of: "\n", with: " ")
                write(
                    "\(session.id.padding(32)) \(session.agent.padding(15)) \(session.updatedAt.formatted(.iso8601).padding(21)) "
                        + "\((session.activeRunId ?? "-").padding(32)) \(title.count > 40 ? String(title.prefix(40)) + "…" : title)\n"
                )
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a session: its conversation and its runs.")

        @Argument(help: "The session id.")
        var id: String

        @Flag(name: .long, help: "Print the session as JSON.")
        var json = false

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            guard let store = try database.existingStore(), let session = try await store.session(id: id) else {
                printError("error: no session \(id) in \(database.path)")
                throw ExitCode(1)
            }
            let messages = try await store.messages(sessionId: id)
            let runs = try await store.runs(RunQuery(sessionId: id, limit: 1_000))
            if json {
                struct Detail: Encodable {
                    var session: Session
                    var messages: [Message]
                    var runs: [Run]
                }
                write(RunJSON.line(Detail(session: session, messages: messages, runs: runs), type: "session_detail") + "\n")
                return
            }
            write("session    \(session.id)\nagent      \(session.agent)\n")
            if let title = session.title { write("title      \(title)\n") }
            if let user = session.userId { write("user       \(user)\n") }
            write("runs       \(runs.count)\(session.activeRunId.map { " (in progress: \($0))" } ?? "")\n\nconversation\n")
            for message in messages {
                var line = "  [\(message.role.rawValue)] \(message.content)"
                for call in message.toolCalls { line += "\n      calls \(call.name)(\(call.arguments)) [\(call.id)]" }
                if message.interrupted { line += "  (interrupted)" }
                write(line + "\n")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a session with its runs and messages.")

        @Argument(help: "The session id.")
        var id: String

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            guard let store = try database.existingStore(), let session = try await store.session(id: id) else {
                printError("error: no session \(id) in \(database.path)")
                throw ExitCode(1)
            }
            if let active = session.activeRunId {
                printError("error: session \(id) has run \(active) in progress; stop it first (aloft runs cancel \(active))")
                throw ExitCode(1)
            }
            _ = try await store.deleteSession(id: id)
            printError("deleted session \(id)")
        }
    }
}
