import AloftCore
import Foundation
import HTTPTypes
import Hummingbird

/// Keeps web pages the user happens to visit from driving the server through their browser:
///
/// * **DNS rebinding.** On a keyless server (loopback only), a request must be addressed to
///   `localhost`, `127.0.0.1` or `[::1]`: a page whose own host name resolves to 127.0.0.1
///   sends its own name in `Host` and is refused.
/// * **Cross-site requests.** A request that carries an `Origin` (every browser `fetch`,
///   form post and `EventSource` from another site does) must come from the server itself or
///   from an origin listed in `cors_origins`.
/// * **Simple requests.** A body must be `application/json` (415 otherwise): browsers send
///   `text/plain` or form bodies across sites without asking first, never JSON.
struct CrossSiteProtectionMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowedOrigins: Set<String>
    let loopbackOnly: Bool

    init(configuration: ServerConfiguration) {
        allowedOrigins = Set(configuration.corsOrigins.compactMap(CORSPolicy.normalizedOrigin))
        loopbackOnly = configuration.bindsLoopbackOnly
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let authority = request.head.authority
        if loopbackOnly, let authority, !CORSPolicy.isLoopback(authority: authority) {
            throw APIError(
                .forbidden, code: .hostNotAllowed,
                message: "this server has no API keys and answers only requests addressed to localhost, 127.0.0.1 or [::1]"
            )
        }
        if let origin = request.headers[.origin] {
            let normalized = CORSPolicy.normalizedOrigin(origin)
            // The server's own pages (behind a TLS proxy too) send its own host as their origin.
            let sameOrigin = normalized != nil && authority.map { authority in
                ["http://", "https://"].contains { normalized == CORSPolicy.normalizedOrigin($0 + authority) }
            } == true
            guard let normalized, sameOrigin || allowedOrigins.contains(normalized) else {
                throw APIError(
                    .forbidden, code: .originNotAllowed,
                    message: "requests from web pages at \(origin.prefix(100)) are not allowed; the operator lists allowed origins in cors_origins"
                )
            }
        }
        if Self.hasBody(request), !Self.isJSON(request.headers[.contentType]) {
            throw APIError(
                .unsupportedMediaType, code: .unsupportedMediaType,
                message: "send the body as JSON with Content-Type: application/json"
            )
        }
        return try await next(request, context)
    }

    static func hasBody(_ request: Request) -> Bool {
        if let length = request.headers[.contentLength] { return length != "0" }
        return request.headers[.transferEncoding] != nil
    }

    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let media = contentType.split(separator: ";", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces).lowercased()
        return media == "application/json"
    }
}

/// Origins and hosts as the cross-site checks compare them.
enum CORSPolicy {
    /// `scheme://host[:port]`, lowercased, default ports dropped; nil when not an origin.
    static func normalizedOrigin(_ text: String) -> String? {
        guard let components = URLComponents(string: text.trimmingCharacters(in: .whitespaces)),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host?.lowercased(), !host.isEmpty, components.path.isEmpty || components.path == "/",
            components.query == nil, components.user == nil
        else { return nil }
        let port = components.port.flatMap { ($0 == 80 && scheme == "http") || ($0 == 443 && scheme == "https") ? nil : $0 }
        let shown = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(scheme)://\(shown)" + (port.map { ":\($0)" } ?? "")
    }

    /// Whether a `Host` value names the loopback interface (any port).
    static func isLoopback(authority: String) -> Bool {
        var host = authority.lowercased()
        if host.hasPrefix("[") {
            host = String(host.prefix { $0 != "]" }.dropFirst())
        } else if let colon = host.lastIndex(of: ":") {
            host = String(host[..<colon])
        }
        return host == "localhost" || host == "127.0.0.1" || host == "::1"
    }
}
