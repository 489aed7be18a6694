import AloftA2A
import AloftCore
import AloftEngine
import AloftLLM
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle

/// A streaming A2A call's answer, as the reference server frames it: one SSE event per
/// update, `data:` a complete JSON-RPC response repeating the request id — the task first,
/// then status and artifact updates from the run's events — closed after a terminal or
/// input-required update. Each update also has an SSE `id:` (the run's event number), and
/// comment heartbeats keep idle connections open. When the server shuts down, the stream
/// ends after `shutdownDrain` and the client resubscribes with its last `aloft.seq`.
struct A2AEventStream {
    let engine: LocalEngine
    let heartbeat: Duration
    var shutdownDrain: Duration = .seconds(1)

    func response(plan: A2ATaskService.StreamPlan, requestId: JSONValue, format: A2AWireFormat) async throws -> Response {
        let runId = plan.task.id
        let events = try await engine.events(runId: runId, after: plan.after)
        let (heartbeat, drain) = (self.heartbeat, self.shutdownDrain)
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                func send(_ item: A2AStreamItem) async throws {
                    let data = JSONRPCRequest.response(id: requestId, result: format.streamResult(item)).jsonText()
                    let id = item.seq.map { "id: \($0)\n" } ?? ""
                    try await writer.write(ByteBuffer(string: "\(id)data: \(data)\n\n"))
                }
                try await send(.task(plan.task))
                if plan.followsEvents {
                    let translation = plan.translation
                    try await EventStreamPump.run(heartbeat: heartbeat, drain: drain) { (yield: @Sendable (A2AStreamItem) -> Void) in
                        var translation = translation
                        for try await event in events {
                            for item in translation.items(for: event) { yield(item) }
                        }
                    } handle: { signal in
                        switch signal {
                        case .heartbeat:
                            try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                            return true
                        case .closing:
                            try await writer.write(ByteBuffer(string: ": the server is shutting down; resubscribe with your last aloft.seq\n\n"))
                            return false
                        case .element(let update):
                            try await send(update)
                            return !update.closesStream
                        }
                    }
                }
                try await writer.finish(nil)
            }
        )
    }
}
