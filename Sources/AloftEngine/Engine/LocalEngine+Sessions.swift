public import AloftCore
import Foundation

extension LocalEngine {
    /// Largest accepted input, in bytes.
    public var maxInputBytes: Int { configuration.maxInputBytes }

    /// Creates an empty session with an agent; its first message starts a run.
    public func createSession(agent: AgentDefinition, userId: String?, title: String?, metadata: [String: String] = [:]) async throws -> Session {
        _ = try await catalog.runtime(for: agent)
        if let problem = Session.metadataProblem(metadata) {
            throw EngineError(code: .invalidInput, message: "metadata \(problem)")
        }
        let now = configuration.now()
        let session = Session(
            id: Identifier.make("ses", at: now), agent: agent.name, userId: userId, title: title, metadata: metadata, createdAt: now, updatedAt: now
        )
        try await store.insert(session)
        return session
    }

    /// Stops the session's run in progress; returns it, or nil when none was running.
    @discardableResult
    public func stopSession(id: String, reason: String?) async throws -> String? {
        guard let session = try await store.session(id: id) else {
            throw EngineError(code: .sessionNotFound, message: "no session \(id)")
        }
        guard let runId = session.activeRunId else { return nil }
        try await cancel(runId: runId, reason: reason)
        return runId
    }

    /// Deletes a finished run and what it recorded.
    public func deleteRun(id: String) async throws {
        guard let run = try await store.run(id: id) else {
            throw EngineError(code: .runNotFound, message: "no run \(id)")
        }
        guard run.phase.isTerminal else {
            throw EngineError(code: .runNotFinished, message: "run \(id) is \(run.phase.rawValue); cancel it first, then delete it")
        }
        _ = try await store.deleteRun(id: id)
        hub.forget(runId: id)
    }

    /// Deletes a session with all its runs; refused while a run of it is in progress.
    public func deleteSession(id: String) async throws {
        guard let session = try await store.session(id: id) else {
            throw EngineError(code: .sessionNotFound, message: "no session \(id)")
        }
        if let active = session.activeRunId {
            throw EngineError(code: .sessionBusy, message: "session \(id) has run \(active) in progress; stop it first")
        }
        _ = try await store.deleteSession(id: id)
    }

    /// Checks an agent definition as a run would use it (tools built, provider configured);
    /// throws `EngineError.invalidAgent` naming every problem.
    public func validate(agent: AgentDefinition) async throws {
        _ = try await catalog.runtime(for: agent)
    }
}
