import AloftCore
import Foundation

/// Runs an external runner carries out (agents with `runner: external`): the engine records
/// them, their reports and their stop, and serves their events like any run's — but never
/// drives, resumes or hands them to Temporal (their agent version marks them).
extension LocalEngine {
    /// Records the start of an external run: its session (new, or the given one claimed), the
    /// user's message and `run_started`, in phase PENDING until its runner reports.
    func startExternal(_ request: StartRunRequest, input: String) async throws -> Run {
        if let existing = try await store.run(id: request.runId ?? "") { return existing }
        let now = configuration.now()
        let runId = request.runId ?? newIdentifier("run")
        var write = StepWrite(runId: runId)
        let session: Session
        let base: Int
        if let sessionId = request.sessionId {
            session = try await sessionToContinue(sessionId, agent: request.agent.name)
            base = try await store.nextMessagePosition(sessionId: sessionId)
            write.sessionActiveRun = (sessionId, runId)
        } else {
            session = Session(
                id: request.newSessionId ?? newIdentifier("ses"), agent: request.agent.name, userId: request.userId, title: String(input.prefix(80)),
                activeRunId: runId, instanceId: request.instance?.id, createdAt: now, updatedAt: now
            )
            write.newSession = session
            base = 0
        }
        let run = Run(
            id: runId, sessionId: session.id, agent: request.agent.name, agentVersion: AgentRunner.externalVersion, phase: .pending, input: input,
            correlationId: request.correlationId, metadata: request.metadata, eventSeq: 1, messageBase: base, createdAt: now, updatedAt: now
        )
        write.newRun = run
        write.messages = [Message(sessionId: session.id, runId: runId, position: base, role: .user, content: input, createdAt: now, completedAt: now)]
        let started = RunEvent(runId: runId, seq: 1, kind: .runStarted, data: ["session_id": .string(session.id), "agent": .string(run.agent), "runner": "external"])
        write.events = [started]
        do {
            try await store.commit(write)
        } catch let error as StoreError where error.code == .conflict {
            if request.runId != nil, let existing = try await store.run(id: runId) { return existing }
            throw EngineError(code: .sessionBusy, message: "\(error.message); wait for it, or cancel it")
        }
        hub.publish(started)
        return run
    }

    /// Records what an external runner reports about its run and publishes the events it
    /// makes. `EngineError` `run_not_found`; `not_external` for a run Aloft carries out;
    /// `invalid_report` (naming the field) for a report that cannot apply.
    @discardableResult
    public func recordExternalReport(runId: String, _ report: ExternalRunReport) async throws -> Run {
        // Two reports at once: the later one's commit conflicts (the same event numbers) and is
        // made again on what the first wrote.
        for attempt in 1...5 {
            guard let run = try await store.run(id: runId) else { throw EngineError(code: .runNotFound, message: "no run \(runId)") }
            guard run.isExternal else {
                throw EngineError(code: .notExternal, message: "run \(runId) is carried out by Aloft; only an external runner reports a run's status")
            }
            let known = try await store.messages(runId: runId)
            let write: StepWrite
            do {
                write = try report.write(on: run, known: known, nextPosition: try await store.nextMessagePosition(sessionId: run.sessionId), at: configuration.now())
            } catch let error as ExternalRunReport.Refusal {
                throw EngineError(code: .invalidReport, message: "\(error.field): \(error.message)")
            }
            do {
                try await store.commit(write)
            } catch let error as StoreError where error.code == .conflict && attempt < 5 {
                continue
            }
            for event in write.events { hub.publish(event) }
            if write.run?.phase.isTerminal == true { hub.release(runId: runId) }
            return write.run ?? run
        }
        throw EngineError(code: .sessionBusy, message: "run \(runId) is being reported on by others at the same time; report again")
    }
}
