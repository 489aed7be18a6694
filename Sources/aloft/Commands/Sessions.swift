import AloftCore
import AloftEngine
import AloftServer
import ArgumentParser
import Foundation

/// `aloft sessions`: list, show and delete conversations.
struct Sessions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show and delete sessions (multi-turn conversations).",
        subcommands: [List.self, Show.self, Delete.self]
    )

    /// `name=value` options as metadata, checked as the API checks them.
    static func labels(_ options: [String]) throws -> [String: String] {
        var labels: [String: String] = [:]
        for option in options {
            guard let equals = option.firstIndex(of: "="), equals != option.startIndex else {
                throw ValidationError("--metadata takes name=value, e.g. --metadata team=support; not '\(option)'")
            }
            labels[String(option[..<equals])] = String(option[option.index(after: equals)...])
        }
        if let problem = Session.metadataProblem(labels) { throw ValidationError("--metadata \(problem)") }
        return labels
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List sessions, newest first.")

        @Option(name: .long, help: "Only sessions of this agent.")
        var agent: String?

        @Option(name: .long, help: "Only sessions of this user.")
        var user: String?

        @Option(name: .long, help: "Only sessions labelled name=value (repeat for several; all must match).")
        var metadata: [String] = []

        @Option(name: .long, help: "How many sessions.")
        var limit = 20

        @Flag(name: .long, help: "One JSON object per line.")
        var json = false

        @OptionGroup var database: DatabaseOptions

        @OptionGroup var remote: ServerOptions

        func validate() throws {
            if limit < 1 || limit > 10_000 { throw ValidationError("--limit must be between 1 and 10000") }
            _ = try Sessions.labels(metadata)
        }

        func run() async throws {
            let labels = try Sessions.labels(metadata)
            let sessions: [JSONValue]
            let place: String
            if let api = remote.client {
                var query = "limit=\(min(limit, 200))"
                for (name, value) in [("agent", agent), ("user_id", user)] {
                    if let value { query += "&\(name)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value)" }
                }
                for (name, value) in labels.sorted(by: { $0.key < $1.key }) {
                    query += "&metadata=" + ("\(name):\(value)".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
                }
                let page = try await ServerOptions.acting { try await api.send(.GET, "/v1/sessions?\(query)") }
                sessions = page["data"]?.arrayValue ?? []
                place = api.baseURL
            } else {
                guard let store = try await database.existingStore() else {
                    if !json { printError(database.noDatabase("no sessions")) }
                    return
                }
                sessions = try await store.sessions(SessionQuery(agent: agent, userId: user, metadata: labels, limit: limit)).map(Representation.session)
                place = store.location
            }
            if json {
                for session in sessions {
                    var object = session.objectValue ?? [:]
                    object["type"] = "session"
                    write(JSONValue.object(object).jsonText() + "\n")
                }
                return
            }
            if sessions.isEmpty {
                printError("no sessions in \(place)")
                return
            }
            write("SESSION                          AGENT           UPDATED               ACTIVE RUN                       TITLE\n")
            for session in sessions {
                let title = (session["title"]?.stringValue ?? "").replacingOccurrences(of: "\n", with: " ")
                write(
                    "\((session["id"]?.stringValue ?? "").padding(32)) \((session["agent"]?.stringValue ?? "").padding(15)) "
                        + "\((session["updated_at"]?.stringValue ?? "").padding(21)) \((session["active_run_id"]?.stringValue ?? "-").padding(32)) "
                        + "\(title.count > 40 ? String(title.prefix(40)) + "…" : title)\n"
                )
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a session: its conversation and its runs.")

        @Argument(help: "The session id.")
        var id: String

        @Flag(name: .long, help: "Print the session as one JSON line, as the API represents it (session, messages, runs).")
        var json = false

        @OptionGroup var database: DatabaseOptions

        @OptionGroup var remote: ServerOptions

        func run() async throws {
            let view: SessionDetailView
            if let api = remote.client {
                view = try await ServerOptions.acting { try await SessionDetailView.remote(api, id: id) }
            } else {
                guard let store = try await database.existingStore(), let found = try await SessionDetailView.local(store, id: id) else {
                    printError("error: no session \(id) in \(database.shownPath)")
                    throw ExitCode(1)
                }
                view = found
            }
            write(json ? view.jsonLine + "\n" : view.text)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a session with its runs and messages.")

        @Argument(help: "The session id.")
        var id: String

        @OptionGroup var database: DatabaseOptions

        @OptionGroup var remote: ServerOptions

        func run() async throws {
            if let api = remote.client {
                try await ServerOptions.acting { try await api.send(.DELETE, "/v1/sessions/\(id)") }
                printError("deleted session \(id)")
                return
            }
            guard let store = try await database.existingStore(), let session = try await store.session(id: id) else {
                printError("error: no session \(id) in \(database.shownPath)")
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
