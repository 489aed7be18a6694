import AloftCore
import AloftLLM
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// An MCP server over streamable HTTP: every message is a POST to the endpoint, answered with
/// 202 (a notification), a JSON document, or an event stream of messages — real servers
/// mostly answer with events, which the Swift SDK's client cannot read on Linux. The session
/// id the server gives at initialization goes with every later request; a server that
/// forgot it (404) ends the channel, so the next call starts a new session.
final class MCPHTTPChannel: MCPChannel {
    /// Largest reply read.
    static let maxReplyBytes = 16 << 20

    let incoming: AsyncThrowingStream<JSONValue, any Error>
    private let continuation: AsyncThrowingStream<JSONValue, any Error>.Continuation
    private let url: String
    private let headers: [(String, String)]
    private let client: HTTPClient
    private let timeout: TimeAmount
    private let session = Mutex<(id: String?, version: String?)>((nil, nil))

    init(url: String, headers: [(String, String)], client: HTTPClient, timeoutSeconds: Double) {
        (incoming, continuation) = AsyncThrowingStream.makeStream(of: JSONValue.self)
        self.url = url
        self.headers = headers
        self.client = client
        self.timeout = .milliseconds(Int64(min(max(timeoutSeconds, 1), AgentLimits.maxSeconds) * 1000))
    }

    private func request(method: HTTPMethod) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let (id, version) = session.withLock { $0 }
        if let id { request.headers.replaceOrAdd(name: "Mcp-Session-Id", value: id) }
        if let version { request.headers.replaceOrAdd(name: "MCP-Protocol-Version", value: version) }
        return request
    }

    func send(_ message: JSONValue) async throws {
        var request = request(method: .POST)
        request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        request.headers.replaceOrAdd(name: "Accept", value: "application/json, text/event-stream")
        request.body = .bytes(ByteBuffer(string: message.jsonText()))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: timeout)
        } catch {
            throw MCPChannelError(message: "cannot reach the MCP server at \(url): \(error)")
        }
        if let id = response.headers.first(name: "Mcp-Session-Id") { session.withLock { $0.id = id } }
        switch response.status.code {
        case 202, 204:
            return
        case 200..<300:
            break
        case 404 where session.withLock({ $0.id }) != nil:
            continuation.finish(throwing: MCPChannelError(message: "the MCP server ended the session"))
            throw MCPChannelError(message: "the MCP server ended the session")
        default:
            let body = (try? await response.body.collect(upTo: 64 << 10)).map { String(buffer: $0) } ?? ""
            let said = (try? JSONValue.parse(body))?["error"]?["message"]?.stringValue ?? String(body.prefix(300))
            throw MCPHTTPStatusError(status: Int(response.status.code), message: "the MCP server answered HTTP \(response.status.code)\(said.isEmpty ? "" : ": \(said)")")
        }
        let type = response.headers.first(name: "Content-Type")?.lowercased() ?? ""
        var received = 0
        if type.contains("text/event-stream") {
            var parser = ServerSentEventParser(maxEventBytes: Self.maxReplyBytes)
            for try await chunk in response.body {
                received += chunk.readableBytes
                guard received <= Self.maxReplyBytes else { throw MCPChannelError(message: "the MCP server's reply is larger than 16 MiB") }
                let events: [ServerSentEvent]
                do throws(ServerSentEventError) { events = try parser.feed(chunk.readableBytesView) } catch {
                    throw MCPChannelError(message: "the MCP server's event stream is malformed: \(error.message)")
                }
                for event in events { deliver(event.data, request: message) }
            }
            if let last = try? parser.finish() { deliver(last.data, request: message) }
        } else {
            let body: ByteBuffer
            do { body = try await response.body.collect(upTo: Self.maxReplyBytes) } catch {
                throw MCPChannelError(message: "the MCP server's reply is larger than 16 MiB, or was cut")
            }
            guard let value = try? JSONValue.parse(String(buffer: body)) else {
                throw MCPChannelError(message: "the MCP server's reply is not JSON")
            }
            if case .array(let messages) = value { messages.forEach { deliver($0, request: message) } } else { deliver(value, request: message) }
        }
    }

    /// Hands a message from the server on, noting the protocol version an initialize reply names.
    private func deliver(_ text: String, request: JSONValue) {
        guard !text.isEmpty, let value = try? JSONValue.parse(text) else { return }
        deliver(value, request: request)
    }

    private func deliver(_ value: JSONValue, request: JSONValue) {
        if request["method"] == "initialize", value["id"] == request["id"], let version = value["result"]?["protocolVersion"]?.stringValue {
            session.withLock { $0.version = version }
        }
        continuation.yield(value)
    }

    func close() async {
        continuation.finish()
        guard session.withLock({ $0.id }) != nil else { return }
        // Ends the session on the server (servers may refuse with 405; that is fine).
        _ = try? await client.execute(request(method: .DELETE), timeout: .seconds(5))
    }
}

/// An HTTP error status from an MCP server: 4xx other than 408/429 is not retried.
struct MCPHTTPStatusError: Error, Sendable, CustomStringConvertible {
    var status: Int
    var message: String
    var description: String { message }
}
