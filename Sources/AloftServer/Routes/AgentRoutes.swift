import AloftCore
import AloftEngine
import Foundation
import Yams
import Hummingbird

/// `/v1/agents`: the agents this server runs.
struct AgentRoutes {
    let engine: LocalEngine
    let agents: AgentRegistry
    let configuration: ServerConfiguration

    func register(on router: RouterGroup<BasicRequestContext>) {
        router.get("/agents") { _, _ -> Response in
            Response.json(["data": .array(agents.all().map { Representation.agent($0.definition, source: $0.source) })])
        }
        router.get("/agents/{name}") { _, context -> Response in
            let name = try context.parameters.require("name")
            guard let entry = agents.entry(named: name) else { throw APIError.agentNotFound(name) }
            return Response.json(Representation.agent(entry.definition, source: entry.source))
        }
        router.put("/agents/{name}") { request, context -> Response in try await put(request, name: try context.parameters.require("name")) }
        router.delete("/agents/{name}") { _, context -> Response in
            let name = try context.parameters.require("name")
            guard let entry = agents.entry(named: name) else { throw APIError.agentNotFound(name) }
            if case .file(let path) = entry.source {
                let file = (path as NSString).lastPathComponent
                throw APIError(.conflict, code: "agent_from_file", message: "agent '\(name)' is defined by the file \(file); remove the file instead")
            }
            _ = try await agents.remove(named: name)
            return Response(status: .noContent)
        }
    }

    private func put(_ request: Request, name: String) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes)
        var fields = body.fields
        if let given = fields["name"], given != .string(name) {
            throw APIError.invalidField("name", "must match the name in the path ('\(name)') or be left out")
        }
        fields["name"] = .string(name)
        let agent = try Self.admit(Self.decode(.object(fields), field: nil), policy: configuration.apiAgents, environment: engine.environment)
        if let entry = agents.entry(named: name), case .file(let path) = entry.source {
            let file = (path as NSString).lastPathComponent
            throw APIError(.conflict, code: "agent_from_file", message: "agent '\(name)' is defined by the file \(file); edit the file instead")
        }
        try await engine.validate(agent: agent)
        let created = try await agents.put(agent, at: Date())
        return .json(Representation.agent(agent, source: .api), status: created ? .created : .ok)
    }

    /// An API client's agent, checked against what the configuration grants API clients
    /// (403 `agent_not_allowed`, naming every problem).
    static func admit(_ agent: AgentDefinition, policy: APIAgentPolicy, environment: [String: String]) throws -> AgentDefinition {
        switch policy.admit(agent, environment: environment) {
        case .success(let admitted): return admitted
        case .failure(let refusal):
            throw APIError(
                .forbidden, code: .agentNotAllowed, message: refusal.problems.joined(separator: "; "),
                details: ["problems": .array(refusal.problems.map(JSONValue.string))]
            )
        }
    }

    /// An agent definition from JSON, with errors naming the field (under `field` when nested).
    static func decode(_ value: JSONValue, field: String?) throws -> AgentDefinition {
        let agent: AgentDefinition
        do {
            agent = try JSONDecoder().decode(AgentDefinition.self, from: Data(value.jsonText().utf8))
        } catch let error as DecodingError {
            // Every problem at once, as agent files get them (a JSON body is YAML too); the
            // JSON decoder's own error when that finds nothing more.
            var problems = [AgentFile.describe(error)]
            let text = value.jsonText()
            // Each further problem costs a decode: only for definitions of a sensible size.
            if text.utf8.count <= 64 << 10, let root = try? Yams.compose(yaml: text) {
                let found = TolerantYAMLDecoding.decode(AgentDefinition.self, from: "", root: root).problems
                if !found.isEmpty { problems = found }
            }
            problems = problems.map { problem in field.map { "\($0).\(problem)" } ?? problem }
            throw APIError(.unprocessableContent, code: "invalid_agent", message: problems.joined(separator: "; "),
                           details: ["problems": .array(problems.map(JSONValue.string))])
        }
        let problems = agent.problems()
        if !problems.isEmpty {
            throw APIError(.unprocessableContent, code: "invalid_agent", message: problems.joined(separator: "; "),
                           details: ["problems": .array(problems.map(JSONValue.string))])
        }
        return agent
    }
}
