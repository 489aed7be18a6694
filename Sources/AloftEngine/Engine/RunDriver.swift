import AloftCore
import AloftLLM
import AloftTools
import AloftRuntime
import Foundation
import Logging
import Synchronization

/// Drives runs: folds a run's journal, asks `AgentLoop` what to do, carries the orders out
/// (model calls, tool calls, pauses), and records each result before deciding again.
struct RunDriver: Sendable {
    let store: any LocalEngineStore
    let catalog: AgentCatalog
    let hub: any RunEventBus
    let registry: RunRegistry
    let configuration: EngineConfiguration
    let logger: Logger
    let isShuttingDown: @Sendable () -> Bool

    /// Drives the run until it ends, waits for a person, or the engine shuts down.
    func drive(_ control: RunControl) async {
        var logger = logger
        logger[metadataKey: "run.id"] = "\(control.runId)"
        var failures = 0
        while true {
            do {
                try await driveOnce(control, logger: logger)
                failures = 0
            } catch {
                // The store failed. What is recorded stays true, so driving again from the
                // journal is safe. A database that cannot be reached is waited for (it comes
                // back, and the run with it); another failure is retried a few times, then the
                // run is left for the next start.
                failures += 1
                let unreachable = (error as? StoreError)?.code == .unavailable
                guard unreachable || failures < 5, !isShuttingDown() else {
                    logger.error("run stopped on an error; it resumes when the engine restarts", metadata: ["error": "\(error)"])
                    _ = registry.release(control)
                    break
                }
                if failures < 5 || failures % 20 == 0 {
                    logger.warning("run step failed; retrying from the journal", metadata: ["error": "\(error)", "attempt": "\(failures)"])
                }
                try? await Task.sleep(for: .milliseconds(200 << min(failures, 4)))
                continue
            }
            if isShuttingDown() {
                _ = registry.release(control)
                break
            }
            if registry.release(control) { break }
        }
        hub.release(runId: control.runId)
    }

    private func driveOnce(_ control: RunControl, logger: Logger) async throws {
        let seed = control.takeSeed()
        let stored: Run?
        if let seed { stored = seed.run } else { stored = try await store.run(id: control.runId) }
        guard let run = stored, !run.phase.isTerminal else {
            try await discard(control.takeCommands())
            return
        }
        control.adopt(storedSeq: run.eventSeq)
        let journal: [JournalEntry]
        if let seed { journal = seed.journal } else { journal = try await store.journal(runId: run.id) }
        let runtime: AgentRuntime
        do {
            runtime = try await catalog.runtime(version: run.agentVersion, store: store)
        } catch {
            // The agent cannot run here any more (a missing API key or database): fail clearly.
            try await fail(run, journal: journal, control: control, error: RunError(code: .invalidRun, message: "\(error)"))
            return
        }
        var execution = RunExecution(
            run: run, state: RunState(configuration: runtime.loop, journal: journal), control: control, store: store, hub: hub,
            now: configuration.now
        )
        while !isShuttingDown() {
            let deliveries = control.takeCommands()
            if !deliveries.isEmpty {
                try await record(deliveries, in: &execution)
            }
            let orders = AgentLoop.decide(execution.state)
            if orders.isEmpty {
                if let outcome = execution.outcome { finished(outcome, logger: logger) }
                return
            }
            var executable: [Order] = []
            var results: [JournalEntry] = []
            for order in orders {
                switch order {
                case .finish(let outcome):
                    try await execution.record([.finished(outcome)])
                    finished(outcome, logger: logger)
                    return
                case .recordToolResult(let result):
                    results.append(.toolCompleted(result))
                case .awaitApproval(let calls, let deadline):
                    try await pause(for: calls, deadline: deadline, in: &execution)
                    execution.state.markInFlight([order])
                case .callModel, .runTool:
                    executable.append(order)
                }
            }
            if !results.isEmpty { try await execution.record(results) }
            if !executable.isEmpty {
                execution.state.markInFlight(executable)
                try await carryOut(executable, runtime: runtime, in: &execution, logger: logger)
            }
        }
    }

    private func finished(_ outcome: RunOutcome, logger: Logger) {
        RunMetrics(factory: configuration.metrics).runFinished(outcome.phase)
        logger.debug("run finished", metadata: ["phase": "\(outcome.phase.rawValue)"])
    }

    /// Ends a run as failed without driving it: the failure is recorded in its journal like
    /// any other ending, with its event.
    func fail(_ run: Run, journal: [JournalEntry], control: RunControl, error: RunError) async throws {
        let empty = LoopConfiguration(tools: [], policies: AgentPolicies())
        control.adopt(storedSeq: run.eventSeq)
        var execution = RunExecution(
            run: run, state: RunState(configuration: empty, journal: journal), control: control, store: store, hub: hub, now: configuration.now
        )
        try await execution.record([.finished(.failed(error))])
        RunMetrics(factory: configuration.metrics).runFinished(.failed)
    }

    /// Turns commands into journal entries: a stop, an approval decision, a passed deadline.
    /// Commands that no longer apply (a decision on a call already decided) are consumed unrecorded.
    private func record(_ deliveries: [RunCommandDelivery], in execution: inout RunExecution) async throws {
        let entries = RunSignals.entries(for: deliveries.map(\.command), in: execution.state)
        defer { registry.forget(deliveries) }  // recorded, or to be delivered again by the poll loop
        try await execution.record(entries) { write in
            write.consumedCommands = deliveries.compactMap(\.inboxId)
            write.removeTimers += deliveries.compactMap(\.timerId)
        }
    }

    /// Consumes commands for a run that is gone or finished.
    private func discard(_ deliveries: [RunCommandDelivery]) async throws {
        guard !deliveries.isEmpty else { return }
        try await store.discardCommands(ids: deliveries.compactMap(\.inboxId))
        registry.forget(deliveries)
    }

    /// Records that calls wait for approval (durably, with their deadline timers) and says so.
    private func pause(for calls: [ToolCall], deadline: Double?, in execution: inout RunExecution) async throws {
        let now = configuration.now().timeIntervalSince1970
        let runId = execution.runId
        try await execution.record([], extraEvents: [RunEventDraft.paused(for: calls)]) { write in
            write.addApprovals = calls.map { PendingApproval(runId: runId, call: $0, requestedAt: now, deadline: deadline.map { now + $0 }) }
            if let deadline {
                write.addTimers = calls.map {
                    DurableTimer(id: DurableTimer.approvalDeadlineId(runId: runId, callId: $0.id), runId: runId, fireAt: now + deadline,
                                 kind: .approvalDeadline, callIds: [$0.id])
                }
            }
        }
    }
}
