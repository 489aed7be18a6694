import AloftCore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Sends a tool's HTTP request and reads the answer, mapping failures to `ToolError`s:
/// 429 and 5xx and network failures are retryable, other 4xx are not.
///
/// Every hop is checked before it is made: the host and port must be on the tool's
/// allow-list, and a host that is (or resolves to) a loopback, private or link-local address
/// must be named exactly in it. Redirects are followed here, hop by hop, with the same
/// checks; a hop to another origin drops every header but `Idempotency-Key`, so secrets
/// sent to one host never reach another. Bodies are read up to `maxBodyBytes`.
struct ToolHTTPTransport: Sendable {
    static let maxBodyBytes = 256 * 1024
    static let maxRedirects = 5

    let client: HTTPClient
    let timeoutSeconds: Double
    let allowList: [HostPattern]

    struct Answer {
        var status: Int
        var contentType: String?
        var body: String
        var truncated: Bool
    }

    /// A URL's parts as the checks see them.
    struct Target {
        var scheme: String
        var host: String
        var port: Int?
        var origin: String { "\(scheme)://\(host):\(port ?? HostPattern.defaultPort(scheme))" }

        init?(_ url: String) {
            guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
                scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
            else { return nil }
            self.scheme = scheme
            self.host = host.lowercased()
            self.port = components.port
        }
    }

    func send(method: HTTPMethod, url: String, headers: [(String, String)], body: String?) async throws -> Answer {
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int64(min(max(timeoutSeconds, 0.001), AgentLimits.maxSeconds) * 1000))
        var method = method
        var url = url
        var headers = headers
        var body = body
        for hop in 0...Self.maxRedirects {
            guard let target = Target(url) else {
                throw ToolError(code: .invalidArguments, message: "'\(url.prefix(200))' is not an http:// or https:// URL")
            }
            try await check(target)
            var request = HTTPClientRequest(url: url)
            request.method = method
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let body {
                request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: body))
            }
            let remaining = deadline - clock.now
            guard remaining > .zero else { throw ToolError(code: .timeout, message: "no answer in time", isRetryable: true) }
            let response: HTTPClientResponse
            do {
                let (seconds, attoseconds) = remaining.components
                response = try await client.execute(request, timeout: .milliseconds(seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1))
            } catch {
                throw Self.classify(error, host: target.host)
            }
            let status = Int(response.status.code)
            if [301, 302, 303, 307, 308].contains(status), let location = response.headers.first(name: "Location") {
                guard hop < Self.maxRedirects else {
                    throw ToolError(code: .failed, message: "more than \(Self.maxRedirects) redirects from \(target.host)")
                }
                guard let next = URL(string: location, relativeTo: URL(string: url))?.absoluteURL.absoluteString else {
                    throw ToolError(code: .failed, message: "\(target.host) redirected to an unreadable location")
                }
                if Target(next)?.origin != target.origin {
                    headers = headers.filter { $0.0.lowercased() == "idempotency-key" }
                }
                if status == 303 || ((status == 301 || status == 302) && method != .GET && method != .HEAD) {
                    method = .GET
                    body = nil
                }
                url = next
                continue
            }
            return try await Self.read(response, url: url)
        }
        throw ToolError(code: .failed, message: "too many redirects")
    }

    /// Sends a POST and hands the answer's body to `onBytes` as it arrives, with the answer's
    /// content type (an event stream, or JSON): the same checks as `send`, no redirects (a
    /// stream's endpoint is where the card said), and an error status read and classified.
    func stream(url: String, headers: [(String, String)], body: String, onBytes: (String, ByteBuffer) async throws -> Void) async throws {
        guard let target = Target(url) else { throw ToolError(code: .invalidArguments, message: "'\(url.prefix(200))' is not an http:// or https:// URL") }
        try await check(target)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .milliseconds(Int64(min(max(timeoutSeconds, 0.001), AgentLimits.maxSeconds) * 1000)))
        } catch {
            throw Self.classify(error, host: target.host)
        }
        guard (200..<300).contains(Int(response.status.code)) else {
            let answer = try await Self.read(response, url: url)
            throw ToolError(code: .failed, message: "\(target.host) answered HTTP \(answer.status): \(answer.body.prefix(500))")
        }
        let contentType = response.headers.first(name: "Content-Type")?.lowercased() ?? ""
        do {
            for try await chunk in response.body { try await onBytes(contentType, chunk) }
        } catch let error as ToolError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw Self.classify(error, host: target.host)
        }
    }

    /// Refuses a hop the allow-list does not cover, or one that would reach the server's
    /// own network without a person having named that host exactly.
    func check(_ target: Target) async throws {
        guard let pattern = allowList.first(where: { $0.matches(host: target.host, port: target.port, scheme: target.scheme) }) else {
            let port = target.port.map { ":\($0)" } ?? ""
            throw ToolError(
                code: .notAllowed,
                message: "\(target.host)\(port) is not allowed; allowed: \(allowList.map(\.description).joined(separator: ", "))"
            )
        }
        if pattern.isExact { return }
        if NetworkAddress.isInternalName(target.host) || NetworkAddress.isInternal(target.host) == true {
            throw ToolError(code: .notAllowed, message: "\(target.host) is an internal address; list it exactly to allow it")
        }
        let addresses: [String]
        do {
            addresses = try await NetworkAddress.resolve(target.host)
        } catch {
            throw ToolError(code: .unavailable, message: "cannot resolve \(target.host)", isRetryable: true)
        }
        if addresses.contains(where: { NetworkAddress.isInternal($0) != false }) {
            throw ToolError(code: .notAllowed, message: "\(target.host) resolves to an internal address; list it exactly to allow it")
        }
    }

    private static func read(_ response: HTTPClientResponse, url: String) async throws -> Answer {
        var collected = ByteBuffer()
        var truncated = false
        for try await var chunk in response.body {
            let room = Self.maxBodyBytes - collected.readableBytes
            if chunk.readableBytes > room {
                truncated = true
                if room > 0, var slice = chunk.readSlice(length: room) {
                    collected.writeBuffer(&slice)
                }
                break
            }
            collected.writeBuffer(&chunk)
        }
        let answer = Answer(
            status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"),
            body: String(buffer: collected), truncated: truncated
        )
        let status = answer.status
        let host = Target(url)?.host ?? "the server"
        if status == 429 || status >= 500 {
            let retryAfter = response.headers.first(name: "Retry-After").flatMap(Double.init).flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
            throw ToolError(
                code: .unavailable, message: "\(host) answered HTTP \(status): \(answer.body.prefix(500))", isRetryable: true,
                retryAfterSeconds: retryAfter
            )
        }
        if status >= 400 {
            throw ToolError(code: .failed, message: "\(host) answered HTTP \(status): \(answer.body.prefix(2000))")
        }
        return answer
    }

    /// A network failure in words a model (and an API client) may read; no library internals.
    static func classify(_ error: any Error, host: String) -> any Error {
        if error is CancellationError { return error }
        if let error = error as? HTTPClientError {
            switch error {
            case .cancelled: return CancellationError()
            case .deadlineExceeded, .readTimeout: return ToolError(code: .timeout, message: "\(host) did not answer in time", isRetryable: true)
            case .connectTimeout: return ToolError(code: .unavailable, message: "connecting to \(host) timed out", isRetryable: true)
            default: break
            }
        }
        if let error = error as? NIOConnectionError {
            let refused = error.connectionErrors.contains { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }
            let message = error.connectionErrors.isEmpty ? "cannot resolve \(host)" : refused ? "\(host) refused the connection" : "cannot connect to \(host)"
            return ToolError(code: .unavailable, message: message, isRetryable: true)
        }
        return ToolError(code: .unavailable, message: "the connection to \(host) failed", isRetryable: true)
    }

    /// What the model reads: the body as JSON when it is JSON, else as text.
    static func result(_ answer: Answer) -> String {
        var object: [String: JSONValue] = ["status": .number(Double(answer.status))]
        if answer.contentType?.contains("json") == true, let json = try? JSONValue.parse(answer.body) {
            object["body"] = json
        } else {
            object["body"] = .string(answer.body)
        }
        if answer.truncated { object["truncated"] = true }
        return JSONValue.object(object).jsonText()
    }
}
