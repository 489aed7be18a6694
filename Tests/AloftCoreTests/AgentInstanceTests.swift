import Foundation
import Testing

@testable import AloftCore

@Suite("Agent instances: settings of their own, bounded")
struct AgentInstanceTests {
    /// An agent whose HTTP tool sends a tenant's token (and the server's own key) in headers,
    /// and whose MCP server gets a region in its environment.
    private static let agent: AgentDefinition = {
        let json = #"""
            {"name":"support","model":{"provider":"openai","name":"gpt-4o-mini","temperature":0.2},
             "tools":[{"http":{"name":"tickets","url":"https://tickets.example.com/api","parameters":{"type":"object"},
                               "headers":{"Authorization":"Bearer ${TENANT_TOKEN}","X-Server-Key":"${SERVER_KEY}"}}},
                      {"mcp":{"name":"maps","command":"maps-server","env":{"REGION":"${MAPS_REGION}"}}}]}
            """#
        return try! JSONDecoder().decode(AgentDefinition.self, from: Data(json.utf8))
    }()

    private static func instance(_ environment: [String: String] = [:], model: AgentInstance.ModelOverrides = .init(), name: String = "acme") -> AgentInstance {
        AgentInstance(id: "ins_1", agent: "support", name: name, environment: environment, model: model, createdBy: "test", createdAt: Date(timeIntervalSince1970: 0))
    }

    @Test("the variables an instance may fill are the tools' header and MCP environment ones")
    func variables() {
        #expect(Self.agent.instanceVariables == ["TENANT_TOKEN", "SERVER_KEY", "MAPS_REGION"])
    }

    @Test("applied: model overrides replace the agent's, variables are written into headers and MCP environments, the rest is left for the server")
    func applied() {
        let instance = Self.instance(["TENANT_TOKEN": "acme-123", "MAPS_REGION": "eu-west"], model: .init(name: "gpt-4.1", maxTokens: 500))
        #expect(instance.problems(for: Self.agent).isEmpty)
        let agent = instance.applied(to: Self.agent)
        #expect(agent.model.name == "gpt-4.1" && agent.model.maxTokens == 500 && agent.model.temperature == 0.2)
        #expect(agent.tools[0].http?.headers == ["Authorization": "Bearer acme-123", "X-Server-Key": "${SERVER_KEY}"])
        #expect(agent.tools[0].http?.url == "https://tickets.example.com/api")
        #expect(agent.tools[1].mcp?.env == ["REGION": "eu-west"])
        #expect(agent.version != Self.agent.version, "another version: a resumed run finds its settings")
        #expect(Self.instance().applied(to: Self.agent) == Self.agent, "no settings, the agent as it is")
    }

    @Test("problems name their field", arguments: [
        (["NOT_USED": "x"], "environment.NOT_USED"),
        (["TENANT_TOKEN": "${SERVER_KEY}"], "environment.TENANT_TOKEN"),
        (["TENANT_TOKEN": "a\r\nX-Injected: 1"], "environment.TENANT_TOKEN"),
        (["TENANT_TOKEN": String(repeating: "a", count: 5000)], "environment.TENANT_TOKEN"),
        (["1BAD": "x"], "environment:"),
    ])
    func environmentProblems(environment: [String: String], field: String) {
        let problems = Self.instance(environment).problems(for: Self.agent)
        #expect(problems.contains { $0.hasPrefix(field) }, "\(problems)")
    }

    @Test("model overrides and names are range-checked")
    func modelProblems() {
        for (model, field) in [
            (AgentInstance.ModelOverrides(temperature: 3), "model.temperature"), (.init(temperature: .nan), "model.temperature"),
            (.init(maxTokens: 0), "model.max_tokens"), (.init(maxTokens: 10_000_000), "model.max_tokens"), (.init(name: ""), "model.name"),
        ] {
            let problems = Self.instance(model: model).problems(for: Self.agent)
            #expect(problems.contains { $0.hasPrefix(field) }, "\(problems)")
        }
        for name in ["", "Acme", "-a", "a_b", String(repeating: "a", count: 64)] {
            #expect(Self.instance(name: name).problems(for: Self.agent).contains { $0.hasPrefix("name:") }, "\(name)")
        }
        #expect(Self.instance(name: "acme-2").problems(for: Self.agent).isEmpty)
        #expect(Self.instance(Dictionary(uniqueKeysWithValues: (0..<40).map { ("V\($0)", "x") })).problems(for: Self.agent).contains { $0.hasPrefix("environment: has 40") })
    }
}
