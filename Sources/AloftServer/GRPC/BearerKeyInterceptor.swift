import Foundation
import GRPCCore
import Hummingbird

/// Requires `authorization: Bearer <key>` metadata with one of the server's API keys, as
/// the REST API does: `UNAUTHENTICATED` otherwise, before any handler runs.
struct BearerKeyInterceptor: ServerInterceptor {
    let keys: Set<String>

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard let key = Self.key(in: request.metadata), keys.contains(where: { BearerAuthMiddleware<BasicRequestContext>.constantTimeEqual($0, key) }) else {
            return StreamingServerResponse(error: RPCError(code: .unauthenticated, message: "send the metadata authorization: Bearer <api key>"))
        }
        return try await next(request, context)
    }

    /// The key of `authorization: Bearer <key>` (the scheme in any case), if sent.
    static func key(in metadata: Metadata) -> String? {
        for header in metadata[stringValues: "authorization"] where header.count > 7 && header.prefix(7).lowercased() == "bearer " {
            return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// Who a call comes from, for audit fields: the key by its last four characters (as key
    /// dashboards show them), or `anonymous` on a server without keys.
    static func caller(_ metadata: Metadata) -> String {
        guard let key = key(in: metadata), key.count >= 8 else { return "anonymous" }
        return "api key …\(key.suffix(4))"
    }
}
