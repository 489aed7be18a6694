import AloftA2A
public import AloftCore
import AloftLLM
public import AsyncHTTPClient
import Foundation
import NIOCore

/// A remote agent as a tool, over A2A (`- a2a:` in an agent file). A call sends the model's
/// message, streams the remote task (its text is the call's progress) and returns its
/// answer: the task's artifacts, else its final status message. The message id is the
/// call's idempotency key, so a call retried after a crash finds the task the first attempt
/// started (on servers that deduplicate message ids, as Aloft does) instead of starting
/// another. A task that ends failed, cancelled or asking for input is a tool error the model
/// reads. Only the origin of `url` is reached; a card pointing elsewhere is refused.
public struct A2ATool: Tool {
    let spec: A2AToolSpec
    let environment: [String: String]
    let transport: ToolHTTPTransport
    let origin: String
    private let card = A2ACardCache()

    /// How long a fetched card is used before it is fetched again.
    static let cardLifetime: Duration = .seconds(300)

    public init(spec: A2AToolSpec, environment: [String: String], client: HTTPClient = ToolHTTPClient.shared, timeoutSeconds: Double = 30) throws {
        guard let origin = HTTPToolSpec.origin(of: spec.url), let pattern = HostPattern(origin.host + ":" + String(origin.port)),
            let target = ToolHTTPTransport.Target(spec.url)
        else {
            throw ToolConfigurationError(problems: ["url: the scheme, host and port must be written out and valid"])
        }
        self.spec = spec
        self.environment = environment
        self.origin = target.origin
        // A remote agent may work for long: the call's own timeout (`tool_timeout_seconds`) bounds it.
        self.transport = ToolHTTPTransport(client: client, timeoutSeconds: max(timeoutSeconds, AgentLimits.maxSeconds), allowList: [pattern])
    }

    public var definition: ToolDefinition {
        let description = spec.description.isEmpty ? "Sends a message to the remote agent \(spec.name) and returns its answer." : spec.description
        return ToolDefinition(name: spec.name, description: description, parameters: A2AToolSpec.parameters)
    }

    public func call(_ arguments: JSONValue, context: ToolCallContext) async throws -> String {
        guard let text = arguments["message"]?.stringValue, !text.isEmpty else {
            throw ToolError(code: .invalidArguments, message: "'message' is required: what to ask the remote agent")
        }
        let agent = try await remoteAgent()
        let format = A2AWireFormat(version: agent.version)
        let message = A2AMessage(messageId: String(context.idempotencyKey.prefix(200)), role: .user, parts: [.text(text)])
        let method =
            switch (agent.version, agent.streams) {
            case (.v1_0, true): "SendStreamingMessage"
            case (.v1_0, false): "SendMessage"
            case (.v0_3, true): "message/stream"
            case (.v0_3, false): "message/send"
            }
        let body = JSONRPCRequest.request(id: .string(context.idempotencyKey), method: method, params: ["message": format.message(message)])
        var headers = try expandedHeaders()
        headers.append(("Accept", agent.streams ? "text/event-stream, application/json" : "application/json"))
        if agent.version == .v1_0 { headers.append(("A2A-Version", "1.0")) }
        var outcome = A2ARemoteOutcome(agentName: agent.name)
        var parser = ServerSentEventParser(maxEventBytes: 4 << 20)
        var plain = ByteBuffer()
        try await transport.stream(url: agent.endpoint, headers: headers, body: body.jsonText()) { contentType, chunk in
            guard !outcome.ended else { return }
            guard contentType.contains("text/event-stream") else {
                // A plain JSON answer: a blocking send's result, or an error before any stream.
                guard plain.readableBytes + chunk.readableBytes <= ToolHTTPTransport.maxBodyBytes else {
                    throw ToolError(code: .failed, message: "\(agent.name) answered with more than \(ToolHTTPTransport.maxBodyBytes) bytes")
                }
                var copy = chunk
                plain.writeBuffer(&copy)
                return
            }
            let events: [ServerSentEvent]
            do {
                events = try parser.feed(chunk.readableBytesView)
            } catch {
                throw ToolError(code: .failed, message: "\(agent.name) sent an unreadable event stream: \(error)")
            }
            for event in events where !outcome.ended {
                if let progress = try outcome.take(try Self.result(event.data, agent: agent.name)) { await context.progress?(progress) }
            }
        }
        if plain.readableBytes > 0 { _ = try outcome.take(try Self.result(String(buffer: plain), agent: agent.name)) }
        return try outcome.answer()
    }

    /// The `result` of one JSON-RPC response from the remote agent; its error as a tool error.
    static func result(_ text: String, agent: String) throws -> A2AStreamItem {
        guard let response = try? JSONValue.parse(text) else {
            throw ToolError(code: .failed, message: "\(agent) answered with something other than JSON-RPC: \(text.prefix(200))")
        }
        if let error = response["error"] {
            let code = error["code"]?.numberValue.map { Int($0) } ?? 0
            throw ToolError(
                code: .failed, message: "\(agent) refused the call (A2A error \(code)): \(error["message"]?.stringValue?.prefix(500) ?? "no message")",
                isRetryable: code == -32603
            )
        }
        guard let result = response["result"], let item = A2AResultReading.item(result) else {
            throw ToolError(code: .failed, message: "\(agent) answered with no task, message or update: \(text.prefix(200))")
        }
        return item
    }

    private func remoteAgent() async throws -> A2ARemoteAgent {
        let now = ContinuousClock.now
        if let cached = card.agent(fresherThan: Self.cardLifetime, now: now) { return cached }
        let base = spec.url.hasSuffix("/") ? String(spec.url.dropLast()) : spec.url
        let cardURL = "\(base)/.well-known/agent-card.json"
        let answer: ToolHTTPTransport.Answer
        do {
            answer = try await transport.send(method: .GET, url: cardURL, headers: try expandedHeaders(), body: nil)
        } catch let error as ToolError where error.code == .failed || error.code == .unavailable {
            throw ToolError(code: error.code, message: "no A2A agent card at \(cardURL): \(error.message)", isRetryable: error.isRetryable)
        }
        guard (200..<300).contains(answer.status), let card = try? JSONValue.parse(answer.body), card.objectValue != nil else {
            throw ToolError(code: .failed, message: "no A2A agent card at \(cardURL): HTTP \(answer.status), not a JSON card")
        }
        let agent = try A2ARemoteAgent.read(card: card, origin: origin)
        self.card.store(agent, at: now)
        return agent
    }

    private func expandedHeaders() throws -> [(String, String)] {
        var headers: [(String, String)] = []
        for (name, template) in spec.headers.sorted(by: { $0.key < $1.key }) {
            do {
                headers.append((name, try SecretTemplate.expand(template, environment: environment)))
            } catch {
                throw ToolError(code: .failed, message: "environment variable \(error.name) is not set; the tool \(spec.name) needs it")
            }
        }
        return headers
    }

    /// The environment variables the headers name.
    public static func referencedVariables(in spec: A2AToolSpec) -> [String] {
        spec.headers.values.flatMap(SecretTemplate.variables(in:))
    }
}
