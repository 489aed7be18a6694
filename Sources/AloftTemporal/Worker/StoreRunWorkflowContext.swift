public import AloftCore
public import AloftRuntime
import Foundation
import Synchronization

/// A run workflow's context from the shared store: the run's start is its first journal
/// entry (written by the API server that started it), its loop configuration the agent
/// version it started with; and each task's new journal entries are projected into the
/// store — run, messages, approvals, events — as one step, as the embedded engine records them.
///
/// Idempotent: what the store already holds is not written again (a replayed task, or one
/// retried after a worker died, projects only what is new). Event numbers come from the run's
/// counter in the store, given as the step commits, so they never meet those of deltas a model
/// activity numbers meanwhile; a step that conflicts is projected again from what is stored.
public final class StoreRunWorkflowContext: RunWorkflowContext {
    let store: any RunStore
    let catalog: AgentCatalog
    let bus: (any RunEventBus)?
    let now: @Sendable () -> Date
    /// What this worker last projected of each run: its row, its journal's length, its state
    /// (shared with its activities).
    let projected: ProjectedRuns
    /// Loop configurations by agent version (a version never changes).
    private let configurations = Mutex<[String: LoopConfiguration]>([:])

    public init(
        store: any RunStore, catalog: AgentCatalog, bus: (any RunEventBus)?, projected: ProjectedRuns = ProjectedRuns(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.projected = projected
        self.store = store
        self.catalog = catalog
        self.bus = bus
        self.now = now
    }

    public func start(of input: RunWorkflowInput) async throws -> (start: RunStart, configuration: Result<LoopConfiguration, RunError>) {
        guard let run = try await store.run(id: input.runId) else {
            throw TemporalError(code: .badHistory, message: "run \(input.runId) is not in the store; was it deleted while its workflow ran?")
        }
        let journal = try await store.journal(runId: input.runId)
        guard case .started(let start) = journal.first else {
            throw TemporalError(code: .badHistory, message: "run \(input.runId) has no start in its journal")
        }
        do {
            let configuration = try await configuration(version: run.agentVersion)
            // What the task's projection will begin from: read now, not again.
            projected.set(
                ProjectedRuns.Projection(run: run, count: journal.count, state: RunState(configuration: configuration, journal: journal), unchecked: journal),
                for: input.runId
            )
            return (start, .success(configuration))
        } catch let error as EngineError where error.code == .invalidAgent {
            projected.remove(input.runId)
            return (start, .failure(RunError(code: .invalidRun, message: error.message)))
        }
    }

    public func recorded(runId: String, count: Int) async throws -> [JournalEntry] {
        // `start(of:)` has just read it, for the same task.
        let journal: [JournalEntry]
        if let read = projected[runId]?.unchecked { journal = read } else { journal = try await store.journal(runId: runId) }
        guard journal.count >= count else {
            throw TemporalError(code: .badHistory, message: "run \(runId) continues from \(count) journal entries, but the store holds \(journal.count)")
        }
        return Array(journal.prefix(count))
    }

    public func project(runId: String, journal: [JournalEntry], continuing: Bool) async throws {
        var attempt = 0
        while true {
            attempt += 1
            do {
                // A conflict means the store moved on without this worker: read it again.
                // What this worker projected is what is stored if it answered the run's last
                // task, or has just read the store (`start(of:)`, a task folded from the start).
                let known = attempt == 1 ? projected[runId].flatMap { continuing || $0.unchecked != nil ? $0 : nil } : nil
                try await projectOnce(runId: runId, journal: journal, known: known)
                return
            } catch let error as StoreError where error.code == .conflict && attempt < 5 {
                continue
            } catch {
                projected.remove(runId)
                throw error
            }
        }
    }

    private func projectOnce(runId: String, journal: [JournalEntry], known: ProjectedRuns.Projection?) async throws {
        let run: Run
        let before: RunState
        let storedCount: Int
        if let known, journal.count >= known.count {
            if let stored = known.unchecked, !journal.prefix(stored.count).elementsEqual(stored) {
                throw TemporalError(code: .badHistory, message: "the history of run \(runId) no longer matches its stored journal")
            }
            (run, before, storedCount) = (known.run, known.state, known.count)
        } else {
            guard let found = try await store.run(id: runId) else { return }
            let stored = try await store.journal(runId: runId)
            guard journal.prefix(stored.count).elementsEqual(stored) else {
                throw TemporalError(code: .badHistory, message: "the history of run \(runId) no longer matches its stored journal")
            }
            let configuration: LoopConfiguration
            do {
                configuration = try await self.configuration(version: found.agentVersion)
            } catch let error as EngineError where error.code == .invalidAgent {
                configuration = LoopConfiguration(tools: [], policies: AgentPolicies())
            }
            (run, before, storedCount) = (found, RunState(configuration: configuration, journal: stored), stored.count)
        }
        guard journal.count > storedCount else {
            if known?.unchecked != nil { projected.set(ProjectedRuns.Projection(run: run, count: storedCount, state: before), for: runId) }
            return
        }
        var after = before
        let new = Array(journal[storedCount...])
        for entry in new { after.apply(entry) }
        // Calls that begin to wait for a person: stored as pending approvals, with the event.
        let waitingBefore = Set(AgentLoop.callsAwaitingApproval(before).map(\.id))
        let pausing = AgentLoop.callsAwaitingApproval(after).filter { !waitingBefore.contains($0.id) }
        let time = now()
        let deadline = before.configuration.policies.approvalDeadlineSeconds
        var step = RunProjection.step(
            new, after: before, run: run, at: time, extraEvents: pausing.isEmpty ? [] : [RunEventDraft.paused(for: pausing)]
        ) { write in
            let requested = time.timeIntervalSince1970
            write.addApprovals = pausing.map { PendingApproval(runId: runId, call: $0, requestedAt: requested, deadline: deadline.map { requested + $0 }) }
        }
        // Numbered by the store as it commits, from the run's counter: a model activity may
        // be numbering deltas of this run at the same moment (a stop while it streams). The
        // run row keeps the count it was read with (never above the counter), so no number is
        // skipped.
        step.write.events = step.events.map { RunEvent(runId: runId, seq: 0, kind: $0.kind, data: $0.data) }
        step.write.run = step.run
        var events: [RunEvent] = []
        if let numbers = try await store.commitNumberingEvents(step.write) {
            events = zip(numbers, step.events).map { RunEvent(runId: runId, seq: $0, kind: $1.kind, data: $1.data) }
            step.run.eventSeq = max(step.run.eventSeq, numbers.upperBound)
        }
        if after.outcome == nil {
            projected.set(ProjectedRuns.Projection(run: step.run, count: journal.count, state: after), for: runId)
        } else {
            projected.remove(runId)
        }
        for event in events { bus?.publish(event) }
    }

    private func configuration(version: String) async throws -> LoopConfiguration {
        if let known = configurations.withLock({ $0[version] }) { return known }
        let loop = try await catalog.runtime(version: version, store: store).loop
        configurations.withLock { $0[version] = loop }
        return loop
    }
}
