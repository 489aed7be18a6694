import AloftA2A
import AloftCore
import AloftEngine
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// A2A (Agent2Agent) for every agent of the server: `POST /a2a/{agent}` is its JSON-RPC
/// endpoint for protocol 1.0 and 0.3, `GET /a2a/{agent}/.well-known/agent-card.json` its card.
/// With API keys set, calls need `Authorization: Bearer <key>`; the card stays readable, as
/// it is what tells clients that (its security schemes).
struct A2ARoutes {
    let engine: LocalEngine
    let agents: AgentRegistry
    let configuration: ServerConfiguration
    let logger: Logger
    /// Push notifications, when the store keeps webhooks.
    let push: A2APushDelivery?

    func register(on router: RouterGroup<BasicRequestContext>) {
        router.get("/{agent}/.well-known/agent-card.json") { request, context -> Response in
            try card(request, agentName: try context.parameters.require("agent"))
        }
        // The card's name before A2A 0.3, still fetched by older clients.
        router.get("/{agent}/.well-known/agent.json") { request, context -> Response in
            try card(request, agentName: try context.parameters.require("agent"))
        }
        router.post("/{agent}") { request, context -> Response in
            try await call(request, agentName: try context.parameters.require("agent"))
        }
    }

    /// The endpoint's URL as clients reach it: the configured public URL, else this request's host.
    func endpoint(_ request: Request, agentName: String) -> String {
        let base: String
        if let publicURL = configuration.publicURL {
            base = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        } else {
            base = "http://\(request.head.authority ?? "\(configuration.effectiveHost):\(configuration.port)")"
        }
        return "\(base)/a2a/\(agentName)"
    }

    private func card(_ request: Request, agentName: String) throws -> Response {
        guard let agent = agents.agent(named: agentName) else { throw APIError.agentNotFound(agentName) }
        let card = A2AAgentCard.card(
            for: agent, endpoint: endpoint(request, agentName: agentName), requiresKey: !configuration.apiKeys.isEmpty, pushNotifications: push != nil
        )
        var response = Response.json(card)
        response.headers[.cacheControl] = "no-cache"
        return response
    }

    private func call(_ request: Request, agentName: String) async throws -> Response {
        guard let agent = agents.agent(named: agentName) else { throw APIError.agentNotFound(agentName) }
        let key = BearerAuthMiddleware<BasicRequestContext>.key(in: request)
        if !configuration.apiKeys.isEmpty, !Self.accepts(key, keys: configuration.apiKeys) {
            var response = Response.json(
                JSONRPCRequest.response(id: .null, error: .invalidRequest("unauthorized: send Authorization: Bearer <api key>"), version: .v0_3),
                status: .unauthorized
            )
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: configuration.maxBodyBytes)
        } catch {
            return .json(
                JSONRPCRequest.response(
                    id: .null, error: .invalidRequest("the request is larger than \(configuration.maxBodyBytes) bytes"), version: .v0_3
                )
            )
        }
        let rpc: JSONRPCRequest
        switch JSONRPCRequest.parse(String(buffer: buffer)) {
        case .success(let parsed): rpc = parsed
        case .failure(let failure): return .json(JSONRPCRequest.response(id: failure.id, error: failure.error, version: .v0_3))
        }
        let header = request.headers[HTTPField.Name("A2A-Version")!]
        guard let (method, version) = A2AMethod.named(rpc.method) else {
            let version = (try? A2AProtocolVersion.of(header: header)) ?? .v0_3
            return .json(JSONRPCRequest.response(id: rpc.id, error: .methodNotFound(rpc.method), version: version))
        }
        do {
            let requested = try A2AProtocolVersion.of(header: header)
            if version == .v1_0, requested != .v1_0 {
                throw A2AError.versionNotSupported("\(rpc.method) is an A2A 1.0 method: send the header A2A-Version: 1.0 (or use the 0.3 method names)")
            }
        } catch let error as A2AError {
            return .json(JSONRPCRequest.response(id: rpc.id, error: error, version: version))
        }
        let format = A2AWireFormat(version: version)
        let service = A2ATaskService(
            engine: engine, agent: agent, format: format, decidedBy: RunRoutes.decider(said: "a2a client", key: key), push: push
        )
        do {
            switch method {
            case .send:
                return .json(JSONRPCRequest.response(id: rpc.id, result: try await service.send(rpc.params)))
            case .stream:
                let plan = try await service.stream(rpc.params)
                return try await stream.response(plan: plan, requestId: rpc.id, format: format)
            case .subscribe:
                let plan = try await service.subscribe(rpc.params, lastEventId: request.headers[HTTPField.Name("Last-Event-ID")!])
                return try await stream.response(plan: plan, requestId: rpc.id, format: format)
            case .get:
                return .json(JSONRPCRequest.response(id: rpc.id, result: try await service.get(rpc.params)))
            case .list:
                return .json(JSONRPCRequest.response(id: rpc.id, result: try await service.list(rpc.params)))
            case .cancel:
                return .json(JSONRPCRequest.response(id: rpc.id, result: try await service.cancel(rpc.params)))
            case .createPushConfig:
                return .json(JSONRPCRequest.response(id: rpc.id, result: try await service.createPushConfig(rpc.params)))
            case .getPushConfig:
                return .json(JSONRPCRequest.response(id: rpc.id, result: try await service.getPushConfig(rpc.params)))
            case .listPushConfigs:
                return .json(JSONRPCRequest.response(id: rpc.id, result: try await service.listPushConfigs(rpc.params)))
            case .deletePushConfig:
                return .json(JSONRPCRequest.response(id: rpc.id, result: try await service.deletePushConfig(rpc.params)))
            case .extendedCard:
                throw A2AError.extendedCardNotConfigured()
            }
        } catch {
            let answer = JSONRPCRequest.response(id: rpc.id, error: a2aError(error, method: rpc.method), version: version)
            guard method.streams else { return .json(answer) }
            // As a one-event stream: 0.3 clients read a streaming call's answer as events only.
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            headers[.cacheControl] = "no-cache"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: "data: \(answer.jsonText())\n\n")))
        }
    }

    private static func accepts(_ key: String?, keys: [String]) -> Bool {
        guard let key else { return false }
        return keys.contains { BearerAuthMiddleware<BasicRequestContext>.constantTimeEqual($0, key) }
    }

    private var stream: A2AEventStream { A2AEventStream(engine: engine, heartbeat: .seconds(configuration.heartbeatSeconds)) }

    /// What a failure is over A2A: its own errors as they are, the engine's mapped, anything
    /// else an internal error that is logged (its message may describe the server).
    private func a2aError(_ error: any Error, method: String) -> A2AError {
        switch error {
        case let error as A2AError:
            return error
        case let error as EngineError where error.code == .runNotFound:
            return .internalError(error.message)
        case let error as EngineError where error.code == .invalidInput:
            return .invalidParams("message", error.message)
        case let error as EngineError:
            return .unsupportedOperation(error.message)
        default:
            logger.error("A2A call failed", metadata: ["a2a.method": "\(method)", "error": "\(error)"])
            return .internalError("the call failed inside the server; it is logged, try again later")
        }
    }
}
