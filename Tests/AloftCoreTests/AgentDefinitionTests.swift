import Foundation
import Testing

@testable import AloftCore

@Suite("Agent definitions: every number range-checked")
struct AgentDefinitionTests {
    private static func agent(_ json: String) throws -> AgentDefinition {
        try JSONDecoder().decode(AgentDefinition.self, from: Data(json.utf8))
    }

    @Test("out-of-range numbers are problems naming the field, never a trap later", arguments: [
        (#""policies":{"tool_timeout_seconds":1e300}"#, "policies.tool_timeout_seconds"),
        (#""policies":{"model_timeout_seconds":1e20}"#, "policies.model_timeout_seconds"),
        (#""policies":{"model_idle_timeout_seconds":-1}"#, "policies.model_idle_timeout_seconds"),
        (#""policies":{"approval_deadline_seconds":1e300}"#, "policies.approval_deadline_seconds"),
        (#""policies":{"model_retry":{"initial_backoff_seconds":1e300}}"#, "policies.model_retry.initial_backoff_seconds"),
        (#""policies":{"tool_retry":{"max_backoff_seconds":1e19}}"#, "policies.tool_retry.max_backoff_seconds"),
        (#""policies":{"model_retry":{"multiplier":1e300}}"#, "policies.model_retry.multiplier"),
        (#""policies":{"model_retry":{"max_attempts":1000000000}}"#, "policies.model_retry.max_attempts"),
        (#""policies":{"max_iterations":0}"#, "policies.max_iterations"),
        (#""memory":{"history_window":100000000}"#, "memory.history_window"),
        (#""tools":[{"builtin":"sql_query","database":"x.db","max_rows":-1}]"#, "tools[0].max_rows"),
        (#""tools":[{"http":{"name":"t","url":"https://x.test","parameters":{"type":"object","properties":{"a":{"type":"string","minLength":1e300}}}}}]"#, "tools[0].http.parameters.properties.a.minLength"),
        (#""tools":[{"http":{"name":"t","url":"https://x.test","parameters":{"type":"array","maxItems":-2}}}]"#, "tools[0].http.parameters.maxItems"),
    ])
    func outOfRange(fragment: String, field: String) throws {
        let definition = try Self.agent(#"{"name":"a","model":{"provider":"scripted","script":[]},"# + fragment + "}")
        let problems = definition.problems()
        #expect(problems.contains { $0.hasPrefix(field + ":") }, "\(problems)")
    }

    @Test("YAML's .inf and .nan are refused wherever a JSON value is expected")
    func nonFinite() {
        let definition = AgentDefinition(
            name: "a", instructions: "",
            model: ModelSettings(provider: .scripted, name: "s", script: [ScriptedReply(toolCalls: [.init(name: "t", arguments: ["x": .number(.nan)])])]),
            tools: [ToolSpec(http: HTTPToolSpec(name: "t", description: "", url: "https://x.test", parameters: ["type": "object", "enum": [.number(.infinity)]]))]
        )
        let problems = definition.problems()
        #expect(problems.contains { $0.hasPrefix("model.script[0].tool_calls:") })
        #expect(problems.contains { $0.hasPrefix("tools[0].http.parameters:") })
    }

    @Test("the model's numbers are checked too")
    func modelNumbers() throws {
        let definition = try Self.agent(#"{"name":"a","model":{"provider":"openai","temperature":1e300,"max_tokens":-4}}"#)
        #expect(definition.problems().contains { $0.hasPrefix("model.temperature:") })
        #expect(definition.problems().contains { $0.hasPrefix("model.max_tokens:") })
    }

    @Test("names are safe in paths: no '..', no leading dot, ASCII only", arguments: ["..", ".", ".hidden", "a/b", "ünïcode", "", String(repeating: "a", count: 101)])
    func badNames(name: String) {
        #expect(!AgentDefinition.isValidName(name))
        let definition = AgentDefinition(name: name, instructions: "", model: ModelSettings(provider: .scripted, name: "s", script: []))
        #expect(definition.problems().contains { $0.hasPrefix("name:") })
    }

    @Test("ordinary names and the defaults pass", arguments: ["support", "sql-analyst", "v1.2_agent", "A"])
    func goodNames(name: String) {
        let definition = AgentDefinition(name: name, instructions: "", model: ModelSettings(provider: .scripted, name: "s", script: []))
        #expect(definition.problems().isEmpty)
    }

    @Test("schema checks give messages without converting huge bounds to integers")
    func validatorMessages() {
        let validator = JSONSchemaValidator(schema: ["type": "string", "minLength": 1e300, "maxLength": -1e300])
        let problems = validator.problems(in: "abc")
        #expect(problems.count == 2)
        #expect(problems[0].contains("1e+300"))
    }
}
