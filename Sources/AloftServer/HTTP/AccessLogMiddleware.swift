import Hummingbird
import Logging

/// One line per request at `info`: method, path, status and time to the response head
/// (`GET /v1/runs 200 1.2 ms`). Query strings are left out: they may carry an access token.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let clock = ContinuousClock()
        let started = clock.now
        let response = try await next(request, context)
        let elapsed = clock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        logger.info("\(request.method.rawValue) \(request.uri.path) \(response.status.code) \((milliseconds * 10).rounded() / 10) ms")
        return response
    }
}
