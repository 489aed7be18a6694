import AloftTestSupport
import AloftCore
import AloftStore
import Testing

@testable import AloftEngine
import AloftRuntime

@Suite("Agent catalog memory")
struct AgentCatalogTests {
    @Test("any number of distinct inline agents keeps a bounded number of runtimes; their runs complete")
    func bounded() async throws {
        let store = try SQLiteStore(path: temporaryDatabasePath())
        try await withEngine(store: store, configuration: testConfiguration(log: ToolCallLog())) { engine in
            var first: Run?
            for index in 0..<(AgentCatalog.maxRuntimes + 200) {
                let agent = AgentDefinition(
                    name: "a\(index)", instructions: "", model: ModelSettings(provider: .scripted, name: "s", script: [ScriptedReply(text: "hi \(index)")])
                )
                let run = try await engine.start(StartRunRequest(agent: agent, input: "go"))
                first = first ?? run
            }
            #expect(engine.catalog.runtimes.count <= AgentCatalog.maxRuntimes)
            let oldest = try #require(first)
            #expect(try await waitForPhase(store, runId: oldest.id, [.completed, .failed]).output == "hi 0")
        }
    }
}
