import AloftCore
import AloftTestSupport
import Foundation
import Testing

/// A token budget as a new user meets it: from `aloft run`, and checked in the agent file.
@Suite("Token budgets from aloft run")
struct BudgetTests {
    @Test("a run over its token budget stops before the call that would exceed it, with budget_exceeded and the partial output; a bad budget is refused")
    func budget() async throws {
        let folder = try temporaryFolder()
        let step = #"{ text: "Still working. ", tool_calls: [{ name: current_time, arguments: {} }] }"#
        try """
            name: thrifty
            model: { provider: scripted, script: [\(Array(repeating: step, count: 20).joined(separator: ", ")), { text: "Done." }] }
            policies: { max_tokens_per_run: 150, max_iterations: 50 }
            tools: [{ builtin: current_time }]
            """.write(toFile: "\(folder)/thrifty.yaml", atomically: true, encoding: .utf8)
        let run = try await AloftProcess.run(["run", "--agent", "thrifty.yaml", "--json", "go"], directory: folder)
        #expect(run.status == 1, "\(run.stderr)")
        let failed = try #require(run.stdout.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }.last { $0["type"] == "run_failed" })
        #expect(failed["data"]?["code"] == "budget_exceeded", "\(failed)")
        let listed = try await AloftProcess.run(["runs", "list", "--json"], directory: folder)
        let stored = try JSONValue.parse(String(try #require(listed.stdout.split(separator: "\n").first)))
        #expect(stored["output"]?.stringValue?.hasPrefix("Still working.") == true, "the partial output is kept: \(stored)")
        let used = (stored["usage"]?["input_tokens"]?.integer(in: 0...Int.max) ?? 0) + (stored["usage"]?["output_tokens"]?.integer(in: 0...Int.max) ?? 0)
        #expect(used <= 150 && used > 0, "never over the budget: \(used)")

        try "name: x\nmodel: { provider: scripted, script: [{ text: hi }] }\npolicies: { max_tokens_per_run: 0 }\n"
            .write(toFile: "\(folder)/bad.yaml", atomically: true, encoding: .utf8)
        let bad = try await AloftProcess.run(["run", "--agent", "bad.yaml", "go"], directory: folder)
        #expect(bad.status == 2 && bad.stderr.contains("policies.max_tokens_per_run: must be between 1 and 1000000000"), "\(bad.stderr)")
    }

    @Test("a cost budget priced by the ALOFT_MODEL_PRICES list stops the run; without prices it is refused before the run, saying where prices go")
    func costFromPriceList() async throws {
        let folder = try temporaryFolder()
        let step = #"{ text: "Still working. ", tool_calls: [{ name: current_time, arguments: {} }] }"#
        try """
            name: priced
            model: { provider: scripted, script: [\(Array(repeating: step, count: 20).joined(separator: ", ")), { text: "Done." }] }
            policies: { max_cost_usd_per_run: 0.001, max_iterations: 50 }
            tools: [{ builtin: current_time }]
            """.write(toFile: "\(folder)/priced.yaml", atomically: true, encoding: .utf8)
        try "models:\n  scripted: { input_usd_per_million_tokens: 5, output_usd_per_million_tokens: 15 }\n"
            .write(toFile: "\(folder)/prices.yaml", atomically: true, encoding: .utf8)
        let run = try await AloftProcess.run(["run", "--agent", "priced.yaml", "--json", "go"], directory: folder, environment: ["ALOFT_MODEL_PRICES": "prices.yaml"])
        #expect(run.status == 1, "\(run.stderr)")
        let failed = try #require(run.stdout.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }.last { $0["type"] == "run_failed" })
        #expect(failed["data"]?["code"] == "budget_exceeded" && failed["data"]?["message"]?.stringValue?.contains("of its $0.0010") == true, "\(failed)")
        let unpriced = try await AloftProcess.run(["run", "--agent", "priced.yaml", "go"], directory: folder)
        #expect(unpriced.status == 2 && unpriced.stderr.contains("policies.max_cost_usd_per_run: needs model.prices"), "\(unpriced.stderr)")
    }
}
