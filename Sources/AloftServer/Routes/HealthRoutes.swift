import AloftCore
import AloftEngine
import Hummingbird

/// `/healthz` (the process answers), `/readyz` (the database answers), `/openapi.json`.
struct HealthRoutes {
    let engine: LocalEngine

    func register(on router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ -> Response in Response.json(["status": "ok"]) }
        router.get("/readyz") { _, _ -> Response in
            do {
                try await engine.reader.ping()
                return Response.json(["status": "ready"])
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
