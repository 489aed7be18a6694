import AloftCore
import AloftEngine
import AloftLLM
import Hummingbird
import Foundation
import HTTPTypes
import NIOCore
import ServiceLifecycle

/// A run's events as server-sent events: first a `snapshot` of the run, then every event
/// after the client's `Last-Event-ID` (or `?after=`) from the run's event log and then live,
/// each with `id: <seq>`, `event: <type>`, `data: <json>`; comment heartbeats while idle;
/// closed after the terminal event. When retention deleted events the client asked for, a
/// `resync` event says so after the snapshot.
/// A client that goes away does not stop the run. When the server shuts down, open streams
/// end after `shutdownDrain`: the client reconnects with its `Last-Event-ID` (to this server
/// once it is back, or another) and misses nothing, and the shutdown never waits on it.
struct RunEventStream {
    let engine: LocalEngine
    let heartbeat: Duration
    var shutdownDrain: Duration = .seconds(1)

    func response(runId: String, after: Int) async throws -> Response {
        guard let run = try await engine.reader.run(id: runId) else { throw APIError.runNotFound(runId) }
        let events = try await engine.events(runId: runId, after: after)
        let approvals = run.phase == .waitingForApproval ? try await engine.reader.pendingApprovals(runId: runId) : []
        let snapshot = Representation.run(run, approvals: approvals)
        let (heartbeat, drain) = (self.heartbeat, self.shutdownDrain)
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 2000\nevent: snapshot\ndata: \(snapshot.jsonText())\n\n"))
                if events.pruned {
                    let resync: JSONValue = [
                        "reason": "events_pruned",
                        "message": .string("events after \(after) were deleted by retention; start again from the snapshot"),
                    ]
                    try await writer.write(ByteBuffer(string: "event: resync\ndata: \(resync.jsonText())\n\n"))
                }
                try await EventStreamPump.run(heartbeat: heartbeat, drain: drain) { (yield: @Sendable (RunEvent) -> Void) in
                    for try await event in events { yield(event) }
                } handle: { signal in
                    switch signal {
                    case .heartbeat:
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    case .closing:
                        try await writer.write(ByteBuffer(string: ": the server is shutting down; reconnect with Last-Event-ID\n\n"))
                    case .element(let event):
                        let data = Representation.event(event).jsonText()
                        try await writer.write(ByteBuffer(string: "id: \(event.seq)\nevent: \(event.kind.rawValue)\ndata: \(data)\n\n"))
                    }
                    return true
                }
                try await writer.finish(nil)
            }
        )
    }

    /// Where the client is: `Last-Event-ID` wins over `?after=`.
    static func after(_ request: Request) throws -> Int {
        if let header = request.headers[HTTPField.Name("Last-Event-ID")!] {
            guard let value = Int(header.trimmingCharacters(in: .whitespaces)), value >= 0 else {
                throw APIError(.badRequest, code: "invalid_last_event_id", message: "Last-Event-ID must be a non-negative event number")
            }
            return value
        }
        if let text = request.uri.queryParameters["after"] {
            guard let value = Int(String(text)), value >= 0 else {
                throw APIError.invalidField("after", "must be a non-negative integer")
            }
            return value
        }
        return 0
    }
}
