import AloftTestSupport
import AloftCore
import AloftStore
import Logging
import Testing

@testable import AloftEngine

@Suite("A run that keeps taking the process down")
struct CrashLoopTests {
    private static func engine(_ store: SQLiteStore, _ configuration: EngineConfiguration) -> LocalEngine {
        var logger = Logger(label: "test-engine")
        logger.logLevel = .critical
        return LocalEngine(store: store, configuration: configuration, logger: logger)
    }

    @Test("after repeated deaths without progress the run fails with a clear error instead of being resumed forever")
    func failsAfterBoundedResumes() async throws {
        let store = try SQLiteStore(path: temporaryDatabasePath())
        var configuration = testConfiguration(log: ToolCallLog())
        configuration.maxResumesWithoutProgress = 3
        // Recorded as started, never driven: what a process leaves behind when it dies mid-step.
        let run = try await Self.engine(store, configuration).start(
            StartRunRequest(agent: scriptedAgent([ScriptedReply(text: "fine")]), input: "go")
        )
        for start in 1...3 {
            try await Self.engine(store, configuration).resumeUnfinished()
            #expect(try await store.run(id: run.id)?.phase == .running, "start \(start) resumes it")
        }
        try await Self.engine(store, configuration).resumeUnfinished()
        let failed = try #require(try await store.run(id: run.id))
        #expect(failed.phase == .failed)
        #expect(failed.error?.code == .crashLoop)
        #expect(failed.error?.message.contains("3 times") == false && failed.error?.message.contains("4 times") == true)
        let journal = try await store.journal(runId: run.id)
        #expect(journal.count == 2, "the ending is in the journal like any other")
        #expect(try await store.runCountsByPhase()[.failed] == 1)
    }

    @Test("within the limit a run is resumed and finishes")
    func withinTheLimit() async throws {
        let store = try SQLiteStore(path: temporaryDatabasePath())
        var configuration = testConfiguration(log: ToolCallLog())
        configuration.maxResumesWithoutProgress = 3
        let run = try await Self.engine(store, configuration).start(
            StartRunRequest(agent: scriptedAgent([ScriptedReply(text: "fine")]), input: "go")
        )
        try await Self.engine(store, configuration).resumeUnfinished()
        try await Self.engine(store, configuration).resumeUnfinished()
        let finished = try await withEngine(store: store, configuration: configuration) { _ in
            try await waitForPhase(store, runId: run.id, [.completed, .failed])
        }
        #expect(finished.phase == .completed, "three starts (two here, one by the engine) are within the limit")
        #expect(try await store.runCountsByPhase()[.completed] == 1)
        #expect(try await store.runCountsByPhase()[.running] ?? 0 == 0)
    }
}
