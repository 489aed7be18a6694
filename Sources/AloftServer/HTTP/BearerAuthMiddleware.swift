import Foundation
import HTTPTypes
import Hummingbird

/// Requires `Authorization: Bearer <key>` with one of the configured keys.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let keys: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let key = Self.key(in: request), keys.contains(where: { Self.constantTimeEqual($0, key) }) else {
            var response = Response.json(
                APIError(.unauthorized, code: "unauthorized", message: "send Authorization: Bearer <api key>").body,
                status: .unauthorized
            )
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        return try await next(request, context)
    }

    /// Compares without stopping at the first difference, so response times do not reveal
    /// how much of a key a guess got right.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<max(x.count, y.count) {
            difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
        }
        return difference == 0
    }

    /// The key from `Authorization: Bearer`, or, for event streams only, from
    /// `?access_token=` (a browser's EventSource cannot send headers).
    static func key(in request: Request) -> String? {
        // The scheme is case-insensitive (RFC 9110 §11.1): `bearer`, `BEARER` work too.
        if let header = request.headers[.authorization], header.count > 7, header.prefix(7).lowercased() == "bearer " {
            return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        if request.method == .get, request.uri.path.hasSuffix("/events"),
            let token = request.uri.queryParameters["access_token"]
        {
            return String(token)
        }
        return nil
    }
}
