import AloftCore
import AloftServer
import Foundation

/// `aloft sessions show`: a session as the API represents it, with its whole conversation and
/// its runs, read from the local database or a server; one renderer for both.
struct SessionDetailView {
    /// `{session, messages, runs}` in the API's representation.
    var detail: JSONValue

    /// Reads session `id` from a local store; nil when there is no such session.
    static func local(_ store: any RunReader, id: String) async throws -> SessionDetailView? {
        guard let session = try await store.session(id: id) else { return nil }
        let messages = try await store.messages(sessionId: id)
        let runs = try await store.runs(RunQuery(sessionId: id, limit: 1_000))
        return SessionDetailView(detail: [
            "session": Representation.session(session), "messages": .array(messages.map(Representation.message)),
            "runs": .array(runs.map { Representation.run($0) }),
        ])
    }

    /// Reads session `id` from a server, every page of its messages and runs.
    static func remote(_ api: AloftAPIClient, id: String) async throws -> SessionDetailView {
        var session = try await api.send(.GET, "/v1/sessions/\(id)?messages_limit=1").objectValue ?? [:]
        session["messages"] = nil
        let runs = try await pages(api, "/v1/runs?session_id=\(id)&limit=200")
        return SessionDetailView(detail: ["session": .object(session), "messages": .array(try await messages(api, sessionId: id)), "runs": .array(runs)])
    }

    /// A session's messages on a server, in order, page after page.
    static func messages(_ api: AloftAPIClient, sessionId: String) async throws -> [JSONValue] {
        var all: [JSONValue] = []
        var after = -1
        while true {
            let page = try await api.send(.GET, "/v1/sessions/\(sessionId)?messages_limit=500&messages_after=\(after)")["messages"] ?? [:]
            if case .array(let items) = page["data"] ?? .null { all += items }
            guard let next = page["next_cursor"]?.stringValue, let position = Int(next), position > after else { return all }
            after = position
        }
    }

    /// Every item of a paginated list (`data`, `next_cursor`).
    static func pages(_ api: AloftAPIClient, _ path: String) async throws -> [JSONValue] {
        var all: [JSONValue] = []
        var cursor: String?
        repeat {
            let suffix = cursor.map { "&cursor=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" } ?? ""
            let page = try await api.send(.GET, path + suffix)
            if case .array(let items) = page["data"] ?? .null { all += items }
            cursor = page["next_cursor"]?.stringValue
        } while cursor != nil
        return all
    }

    var jsonLine: String {
        guard case .object(var object) = detail else { return detail.jsonText() }
        object["type"] = "session_detail"
        return JSONValue.object(object).jsonText()
    }

    /// The session for people: whose it is, its runs, and the conversation.
    var text: String {
        let session = detail["session"] ?? [:]
        var out = "session    \(session["id"]?.stringValue ?? "")\nagent      \(session["agent"]?.stringValue ?? "")\n"
        if let title = session["title"]?.stringValue { out += "title      \(title)\n" }
        if let user = session["user_id"]?.stringValue { out += "user       \(user)\n" }
        if case .object(let metadata) = session["metadata"] ?? .null, !metadata.isEmpty {
            out += "metadata   \(metadata.keys.sorted().map { "\($0)=\(metadata[$0]?.stringValue ?? "")" }.joined(separator: " "))\n"
        }
        let runs = detail["runs"]?.arrayValue ?? []
        out += "runs       \(runs.count)\(session["active_run_id"]?.stringValue.map { " (in progress: \($0))" } ?? "")\n\nconversation\n"
        for message in detail["messages"]?.arrayValue ?? [] {
            out += "  [\(message["role"]?.stringValue ?? "")] \(message["content"]?.stringValue ?? "")"
            for call in message["tool_calls"]?.arrayValue ?? [] {
                out += "\n      calls \(call["name"]?.stringValue ?? "")(\(call["arguments"]?.stringValue ?? "")) [\(call["id"]?.stringValue ?? "")]"
            }
            if message["interrupted"] == .bool(true) { out += "  (interrupted)" }
            out += "\n"
        }
        return out
    }
}
