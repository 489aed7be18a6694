import AloftCore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Sends a tool's HTTP request and reads the answer, mapping failures to `ToolError`s:
/// 429 and 5xx and network failures are retryable, other 4xx are not.
struct ToolHTTPTransport: Sendable {
    static let maxBodyBytes = 256 * 1024

    let client: HTTPClient
    let timeoutSeconds: Double

    struct Answer {
        var status: Int
        var contentType: String?
        var body: String
        var truncated: Bool
    }

    func send(method: HTTPMethod, url: String, headers: [(String, String)], body: String?) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .milliseconds(Int64(timeoutSeconds * 1000)))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ToolError(code: .unavailable, message: "cannot reach \(url): \(error)", isRetryable: true)
        }
        var collected = ByteBuffer()
        var truncated = false
        for try await var chunk in response.body {
            let room = Self.maxBodyBytes - collected.readableBytes
            if chunk.readableBytes > room {
                truncated = true
                if room > 0, let slice = chunk.readSlice(length: room) {
                    var slice = slice
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
        if status == 429 || status >= 500 {
            let retryAfter = response.headers.first(name: "Retry-After").flatMap(Double.init)
            throw ToolError(
                code: .unavailable, message: "\(url) answered HTTP \(status): \(answer.body.prefix(500))", isRetryable: true,
                retryAfterSeconds: retryAfter
            )
        }
        if status >= 400 {
            throw ToolError(code: .failed, message: "\(url) answered HTTP \(status): \(answer.body.prefix(2000))")
        }
        return answer
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
