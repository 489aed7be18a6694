import AloftCore
import Foundation
import Testing

@testable import AloftEngine

@Suite("Agent files")
struct AgentFileTests {
    static func problems(_ text: String) -> [String] {
        do {
            _ = try AgentFile.parse(text, path: "a.yaml", baseDirectory: "/tmp")
            return []
        } catch let error as AgentFileError {
            return error.problems
        } catch {
            return ["\(error)"]
        }
    }

    @Test("every problem of a file in one pass, in line order, each with its line: typos, wrong types, bad values, missing fields")
    func everyProblemAtOnce() {
        let problems = Self.problems(
            """
            name: bad agent
            descripton: typo
            model:
              provider: opnai
              temperature: hot
              max_tokens: -5
            policies:
              max_iterations: many
              require_approval: [nothing]
            tools:
              - builtin: current_time
                timeout: 3
              - sql: 7
            """
        )
        #expect(problems == [
            "line 1: name: 'bad agent' must be 1 to 100 ASCII letters, digits, '-', '_' or '.', starting with a letter or digit",
            "line 2: descripton: unknown field 'descripton' (known fields: a2a, description, instructions, memory, model, name, policies, runner, tools)",
            "line 4: model.provider: unknown provider 'opnai' (known providers: openai, anthropic, azure, gemini, vertex, scripted)",
            "line 5: model.temperature: expected a number",
            "line 6: model.max_tokens: must be between 1 and 10000000",
            "line 8: policies.max_iterations: expected an integer",
            "line 12: tools[0].timeout: unknown field 'timeout' (known fields: a2a, agent, allowed_hosts, builtin, database, http, max_rows, mcp)",
            "line 13: tools[1].sql: unknown field 'sql' (known fields: a2a, agent, allowed_hosts, builtin, database, http, max_rows, mcp)",
            "line 13: tools[1]: a tool needs exactly one of 'builtin', 'http', 'a2a', 'mcp' or 'agent'",
        ], "\(problems.joined(separator: "\n"))")
    }

    @Test("a stand-in never adds a problem of its own; a missing required field is reported once")
    func noStandInArtefacts() {
        // The provider cannot be read, so what it would require (a model name) is not claimed missing.
        #expect(Self.problems("name: x\nmodel: { provider: gpt }\n").count == 1)
        let missing = Self.problems("instructions: 3\nmodel:\n  provider: scripted\n  script: [{ text: hi }]\n  stream: maybe\n")
        #expect(missing.count == 2 && missing.contains { $0.contains("name: missing (required)") } && missing.contains { $0.hasPrefix("line 5: model.stream") },
                "\(missing)")
        #expect(Self.problems("name: ok\nmodel: { provider: scripted, script: [{ text: hi }] }\n").isEmpty)
    }
}
