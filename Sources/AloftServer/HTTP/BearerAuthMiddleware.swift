import Foundation
import HTTPTypes
import Hummingbird

/// Requires `Authorization: Bearer <key>` with one of the configured keys.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let keys: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            keys.contains(String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces))
        else {
            var response = Response.json(
                APIError(.unauthorized, code: "unauthorized", message: "send Authorization: Bearer <api key>").body,
                status: .unauthorized
            )
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        return try await next(request, context)
    }
}
