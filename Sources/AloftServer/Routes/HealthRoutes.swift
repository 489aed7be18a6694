import AloftCore
import AloftEngine
import Foundation
import Hummingbird

/// `/healthz` (the process answers), `/readyz` (the database answers; whether this process
/// executes runs, and on a shared database which one does), `/openapi.json`.
struct HealthRoutes {
    let engine: LocalEngine
    /// Where runs are executed, when not by an embedded engine (`temporal`).
    let role: String?

    func register(on router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ -> Response in Response.json(["status": "ok"]) }
        router.get("/readyz") { _, _ -> Response in
            do {
                try await engine.reader.ping()
                var body: [String: JSONValue] = ["status": "ready", "engine": .string(role ?? (engine.isExecuting ? "executing" : "standing_by"))]
                // On a shared database: which process executes the runs (none while one takes over).
                if role == nil, let record = engine.store as? any EngineHolderRecord {
                    let holder = try await record.engineHolder()
                    body["holder"] = holder.map { holder in
                        ["host": .string(holder.host), "pid": .number(Double(holder.pid)), "since": .string(holder.since.formatted(.iso8601))]
                    } ?? .null
                }
                return Response.json(.object(body))
            } catch {
                return Response.json(APIError(.serviceUnavailable, code: "not_ready", message: "the database does not answer").body, status: .serviceUnavailable)
            }
        }
        router.get("/openapi.json") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
    }
}
