public import AloftCore
import AloftRuntime
public import AloftTools
import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// The embedded engine: runs agents durably on SQLite, or on a PostgreSQL database that
/// several processes share.
///
/// A scheduler hands runnable runs to drivers; each driver interprets `AgentLoop`'s orders
/// and records every result in the journal before the next decision. On start, every
/// unfinished run is rebuilt from its journal and resumed. Runs that wait for a person hold
/// no memory: a decision (from this process or another) brings them back.
///
/// On a shared database one process executes runs; an engine made `standingBy` serves the
/// API meanwhile — it records starts and commands for the executing process — until
/// `takeOver()` (it then holds the engine lease) makes it resume every unfinished run.
public final class LocalEngine: RunEngine, Service, Sendable {
    public let store: any LocalEngineStore
    let configuration: EngineConfiguration
    let logger: Logger
    let hub: any RunEventBus
    let registry = RunRegistry()
    let catalog: AgentCatalog
    /// Runs the agents that agents call as tools, on this engine.
    let children: EngineChildRunner?

    /// What runs the agents that agents call as tools on this engine: for a catalog elsewhere
    /// (a Temporal worker's) whose runs this engine starts.
    public var childRunner: (any ChildRunner)? { children }
    private let shuttingDown = Atomic<Bool>(false)
    /// When this engine was made: runs created before belong to engines that came before.
    private let createdAt: Date
    /// Whether this engine executes runs (false while it stands by).
    private let executing: Atomic<Bool>
    /// When it began to execute runs: unfinished runs created before are resumed then.
    private let executingSince: Mutex<Date>
    private let promotion: AsyncStream<Void>
    private let promote: AsyncStream<Void>.Continuation
    /// With `EngineScope.ownRuns`: the runs this engine started or was given a command for.
    private let owned = Mutex<Set<String>>([])

    /// - Parameter bus: carries live events to subscribers; in memory (this process only) unless
    ///   a store shares them across processes.
    /// - Parameter standingBy: another process executes the store's runs (it holds the engine
    ///   lease); this one only records until `takeOver()`.
    public init(
        store: any LocalEngineStore, configuration: EngineConfiguration = EngineConfiguration(), bus: any RunEventBus = RunEventHub(),
        standingBy: Bool = false, logger: Logger
    ) {
        self.store = store
        self.hub = bus
        self.configuration = configuration
        self.logger = logger
        self.createdAt = configuration.now()
        self.executing = Atomic(!standingBy)
        self.executingSince = Mutex(createdAt)
        (promotion, promote) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        // No agent may read the engine's own database, whatever its SQL tools name.
        let children = configuration.agentNamed.map { EngineChildRunner(agentNamed: $0) }
        self.children = children
        self.catalog = AgentCatalog(
            environment: configuration.environment, builtins: configuration.builtins, outbound: configuration.outbound,
            metrics: configuration.metrics, forbiddenFiles: store.files, children: children
        )
        children?.attach(self)
    }

    /// What the API and the terminal read runs from (the store, behind its port).
    public var reader: any RunReader { store }

    /// What retention prunes through.
    public var pruner: any RunPruner { store }

    /// The environment agents' secrets and model keys come from.
    public var environment: [String: String] { configuration.environment }

    var driver: RunDriver {
        RunDriver(
            store: store, catalog: catalog, hub: hub, registry: registry, configuration: configuration, logger: logger,
            isShuttingDown: { self.shuttingDown.load(ordering: .relaxed) }
        )
    }

    /// Whether this engine executes runs (it is not standing by).
    public var isExecuting: Bool { executing.load(ordering: .acquiring) }

    /// This process now holds the engine lease: the engine stops standing by and resumes every
    /// unfinished run, those recorded while it stood by included.
    public func takeOver() {
        executingSince.withLock { $0 = configuration.now() }
        executing.store(true, ordering: .releasing)
        promote.yield()
    }

    /// Resumes unfinished runs, then drives runs until graceful shutdown. Steps in flight at
    /// shutdown finish and are recorded; their runs resume on the next start. An engine
    /// standing by waits for `takeOver()` first.
    public func run() async throws {
        if !isExecuting {
            var promoted = false
            for await _ in promotion.cancelOnGracefulShutdown() {
                promoted = true
                break
            }
            guard promoted else { return }
            logger.notice("this process now executes the runs of the database; resuming the unfinished ones")
        }
        if configuration.scope.isAll { try await resumeUnfinished() }
        let driver = self.driver
        await withDiscardingTaskGroup { group in
            group.addTask { await self.pollInbox() }
            if let notices = store as? any StoreNotices {
                // Commands queued by other processes are picked up as they commit, not at the next poll.
                group.addTask {
                    for await notice in notices.notices().cancelOnGracefulShutdown() {
                        switch notice {
                        case .commandQueued, .resumed: try? await self.deliverDue()
                        case .eventsStored, .live: continue
                        }
                    }
                }
            }
            for await control in registry.queue.cancelOnGracefulShutdown() {
                group.addTask { await driver.drive(control) }
            }
            shuttingDown.store(true, ordering: .relaxed)
        }
    }

    /// Schedules every run that was under way when the engine last stopped (a crash, a
    /// kill, a shutdown); each is rebuilt from its journal. Runs waiting for a person stay
    /// parked until a decision arrives. `run()` does this on start.
    ///
    /// A run that the process died while driving `maxResumesWithoutProgress` times in a row,
    /// with no step recorded in between, is not resumed again: it fails with
    /// `run_crash_loop`, so that one poisonous run cannot crash-loop the server.
    public func resumeUnfinished() async throws {
        // Runs this engine started itself (requests may arrive while it resumes) are its own.
        let since = executingSince.withLock { $0 }
        let resumes = try await store.countResumes(createdBefore: since)
        let unfinished = try await store.unfinishedRuns().filter { $0.phase != .waitingForApproval && $0.createdAt < since && !$0.isExternal }
        var resumed = 0
        for run in unfinished {
            let count = resumes[run.id] ?? 0
            guard count > configuration.maxResumesWithoutProgress else {
                registry.schedule(runId: run.id, abandonedAttempts: max(count, 1))
                resumed += 1
                continue
            }
            logger.error("run stopped: the engine died while driving it \(count) times in a row", metadata: ["run.id": "\(run.id)"])
            let error = RunError(
                code: .crashLoop,
                message: "the engine stopped \(count) times in a row while running this run without getting further; it was ended so that it cannot stop the server again (see the server log)"
            )
            try await driver.fail(run, journal: try await store.journal(runId: run.id), control: RunControl(runId: run.id, abandonedAttempts: max(count, 1)), error: error)
            hub.release(runId: run.id)
        }
        if resumed > 0 {
            logger.info("resuming unfinished runs", metadata: ["count": "\(resumed)"])
        }
        // Decisions left for this process and deadlines that passed while none was running.
        try await deliverDue()
    }

    /// Looks for commands from other processes and for due timers.
    private func pollInbox() async {
        while !shuttingDown.load(ordering: .relaxed), !Task.isCancelled {
            do {
                try await deliverDue()
            } catch {
                logger.error("cannot read commands and timers", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: configuration.pollInterval)
        }
    }

    /// Hands queued commands and passed deadlines to their runs (of one run, when given; of
    /// this engine's own runs only, when its scope says so).
    private func deliverDue(runId: String? = nil) async throws {
        let mine: Set<String>? = configuration.scope.isAll ? nil : owned.withLock { $0 }
        func wanted(_ id: String) -> Bool { (runId == nil || id == runId) && (mine?.contains(id) ?? true) }
        try await schedule(try await store.queuedCommands(limit: 500).filter { wanted($0.runId) })
        for timer in try await store.dueTimers(at: configuration.now().timeIntervalSince1970) where wanted(timer.runId) {
            registry.schedule(
                runId: timer.runId, delivery: RunCommandDelivery(command: .approvalDeadlinePassed(callIds: timer.callIds), timerId: timer.id)
            )
        }
    }

    // MARK: - API

    /// Starts a run: records its start durably and schedules it. Its events can be followed
    /// with `events(runId:after:)` from sequence 0.
    @discardableResult
    public func start(_ request: StartRunRequest) async throws -> Run {
        let input = request.input.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !input.isEmpty else { throw EngineError(code: .invalidInput, message: "the input is empty; say what the agent should do") }
        guard request.input.utf8.count <= configuration.maxInputBytes else {
            throw EngineError(code: .invalidInput, message: "the input is \(request.input.utf8.count) bytes; the limit is \(configuration.maxInputBytes)")
        }
        if request.agent.runner == .external { return try await startExternal(request, input: input) }
        if let existing = try await startedBefore(request) { return existing }
        var session: Session?
        if let sessionId = request.sessionId { session = try await sessionToContinue(sessionId, agent: request.agent.name) }
        var request = request
        if let instance = try await instance(of: request, session: session) {
            // The run's agent version is the agent with the instance's settings: a resumed run,
            // on any engine, runs with the settings it started with.
            request.agent = instance.applied(to: request.agent)
        }
        let agent = request.agent
        let runtime = try await catalog.runtime(for: agent)
        let now = configuration.now()
        let runId = request.runId ?? Identifier.make("run", at: now)
        guard let sessionId = request.sessionId, let session else {
            let plan = RunStartPlan(
                runId: runId, request: request, input: input, agentVersion: runtime.version, loop: runtime.loop, session: nil,
                newSessionId: request.newSessionId ?? Identifier.make("ses", at: now), history: [], messageBase: 0, at: now
            )
            return try await record(plan, runtime: runtime, request: request)
        }
        let history = try await store.messages(sessionId: sessionId, last: agent.memory.historyWindow)
        // Only an agent with a session budget pays for the sum (the session is idle: exact).
        let sessionUsage = runtime.loop.policies.maxTokensPerSession == nil ? nil : try await store.sessionUsage(sessionId: sessionId)
        let plan = RunStartPlan(
            runId: runId, request: request, input: input, agentVersion: runtime.version, loop: runtime.loop, session: session,
            newSessionId: sessionId, history: history, messageBase: try await store.nextMessagePosition(sessionId: sessionId),
            sessionUsage: sessionUsage, at: now
        )
        return try await record(plan, runtime: runtime, request: request)
    }

    /// The session a new turn continues: it exists, is the agent's, and has no run under way.
    func sessionToContinue(_ sessionId: String, agent: String) async throws -> Session {
        guard let session = try await store.session(id: sessionId) else {
            throw EngineError(code: .sessionNotFound, message: "no session \(sessionId); omit the session to start a new one")
        }
        guard session.agent == agent else {
            throw EngineError(code: .sessionAgentMismatch, message: "session \(sessionId) belongs to agent '\(session.agent)', not '\(agent)'")
        }
        if let active = session.activeRunId {
            throw EngineError(code: .sessionBusy, message: "session \(sessionId) has run \(active) in progress; wait for it, or cancel it")
        }
        return session
    }

    /// The instance whose settings the run uses: the continued session's (a session keeps
    /// its instance), or the one asked for a new session; nil for the agent as defined.
    func instance(of request: StartRunRequest, session: Session?) async throws -> AgentInstance? {
        guard let session else {
            if let instance = request.instance, instance.agent != request.agent.name {
                throw EngineError(code: .invalidInput, message: "instance \(instance.id) belongs to agent '\(instance.agent)', not '\(request.agent.name)'")
            }
            return request.instance
        }
        if let asked = request.instance, asked.id != session.instanceId {
            throw EngineError(
                code: .invalidInput,
                message: "session \(session.id) belongs to \(session.instanceId.map { "instance \($0)" } ?? "no instance"), not instance \(asked.id); a session keeps its instance"
            )
        }
        guard let id = session.instanceId else { return nil }
        guard let instance = try await store.instance(id: id) else {
            throw EngineError(code: .invalidInput, message: "session \(session.id) belongs to instance \(id), which no longer exists; start a new session")
        }
        return instance
    }

    /// The run a start with a caller-chosen id already made, if any (a repeated start). It must
    /// be the same agent's: an id is not a way to reach another agent's run.
    private func startedBefore(_ request: StartRunRequest) async throws -> Run? {
        guard let runId = request.runId, let run = try await store.run(id: runId) else { return nil }
        guard run.agent == request.agent.name else {
            throw EngineError(code: .invalidInput, message: "run \(runId) exists and belongs to agent '\(run.agent)'; choose another id")
        }
        return run
    }

    /// With `EngineScope.ownRuns`, takes the run on as one of this engine's.
    private func own(_ runId: String) {
        guard case .ownRuns(let driving) = configuration.scope else { return }
        let runs: [String]? = owned.withLock { $0.insert(runId).inserted ? $0.sorted() : nil }
        if let runs { driving(runs) }
    }

    /// Commits a run's start, publishes its first events and schedules it.
    private func record(_ plan: RunStartPlan, runtime: AgentRuntime, request: StartRunRequest) async throws -> Run {
        own(plan.run.id)
        var write = plan.write
        // Standing by, the start asks the executing process to drive the run, in the same transaction.
        let executes = isExecuting
        if !executes { write.queuedCommands = [.drive] }
        let storesVersion = catalog.needsStoring(runtime.version)
        if storesVersion { write.agentVersion = (runtime.version, runtime.definition) }
        do {
            try await store.commit(write)
        } catch let error as StoreError where error.code == .conflict && request.runId != nil {
            // The same caller-chosen id started at the same moment elsewhere: that run is the answer.
            if let existing = try await startedBefore(request) { return existing }
            throw EngineError(code: .sessionBusy, message: "\(error.message); wait for it, or cancel it")
        } catch let error as StoreError where error.code == .conflict && write.sessionActiveRun != nil {
            // One run per session, checked in the start's own transaction (another start, maybe
            // in another process, claimed the session first).
            throw EngineError(code: .sessionBusy, message: "\(error.message); wait for it, or cancel it")
        }
        if storesVersion { catalog.markStored(runtime.version) }
        if !executes { configuration.commandRecorded?(plan.run.id) }
        for event in plan.events { hub.publish(event) }
        // The driver starts from what was just written instead of reading it back.
        if executes { registry.schedule(runId: plan.run.id, seed: RunSeed(run: plan.run, journal: plan.journal)) }
        return plan.run
    }

    /// The run's events after number `after`: stored ones, then live ones; the feed ends after
    /// the terminal event. Works for any run in the store, whichever process ran it and
    /// however often the engine restarted since.
    public func events(runId: String, after: Int = 0) async throws -> RunEventFeed {
        guard let feed = try await RunEventFeed.make(runId: runId, after: after, hub: hub, store: store) else {
            throw EngineError(code: .runNotFound, message: "no run \(runId)")
        }
        return feed
    }

    public func runEvents(runId: String, after: Int) async throws -> any AsyncSequence<RunEvent, any Error> {
        try await events(runId: runId, after: after)
    }

    /// Asks a run to stop. Durable: recorded in the database first, then delivered.
    public func cancel(runId: String, reason: String? = nil) async throws {
        guard let run = try await store.run(id: runId) else {
            throw EngineError(code: .runNotFound, message: "no run \(runId)")
        }
        guard !run.phase.isTerminal else {
            throw EngineError(code: .runFinished, message: "run \(runId) has already ended (\(run.phase.rawValue))")
        }
        if run.isExternal {
            // Nothing of Aloft's runs it: the stop is recorded, and its runner sees it end.
            try await recordExternalReport(runId: runId, ExternalRunReport(phase: .cancelled, reason: reason ?? "stopped"))
            return
        }
        // An engine driving only its own runs may be stopping one a dead process was driving:
        // it takes it over as a resume would (numbering above anything that process sent).
        let takeOver = !configuration.scope.isAll && run.createdAt < createdAt && run.phase != .waitingForApproval
        try await deliver(.cancel(reason: reason), runId: runId, takingOver: takeOver)
    }

    /// Approves or denies a tool call waiting for approval.
    public func resolveApproval(runId: String, decision: ApprovalDecision) async throws {
        guard let run = try await store.run(id: runId) else {
            throw EngineError(code: .runNotFound, message: "no run \(runId)")
        }
        guard !run.phase.isTerminal else {
            throw EngineError(code: .runFinished, message: "run \(runId) has already ended (\(run.phase.rawValue))")
        }
        let pending = try await store.pendingApprovals(runId: runId)
        guard let approval = pending.first(where: { $0.call.id == decision.callId }) else {
            let waiting = pending.map(\.call.id).joined(separator: ", ")
            throw EngineError(
                code: .notAwaitingApproval,
                message: "tool call \(decision.callId) of run \(runId) is not waiting for approval" + (waiting.isEmpty ? "" : "; waiting: \(waiting)")
            )
        }
        if let deadline = approval.deadline, deadline <= configuration.now().timeIntervalSince1970 {
            // Too late: the deadline decided (no engine may have been running to record it yet).
            own(runId)
            if isExecuting { try await deliverDue(runId: runId) }
            throw EngineError(
                code: .approvalDeadlinePassed,
                message: "the approval deadline of tool call \(decision.callId) (\(approval.call.name)) of run \(runId) passed at "
                    + Date(timeIntervalSince1970: deadline).formatted(.iso8601) + "; the call counts as denied and the run goes on without it"
            )
        }
        try await deliver(.resolveApproval(decision: decision), runId: runId)
    }

    private func deliver(_ command: RunCommand, runId: String, takingOver: Bool = false) async throws {
        own(runId)
        try await store.enqueue(command, runId: runId)
        // Standing by, the command waits in the inbox for the executing process.
        guard isExecuting else {
            configuration.commandRecorded?(runId)
            return
        }
        // Picked up by the poll loop at once rather than after its interval.
        try await schedule(try await store.queuedCommands(limit: 500).filter { $0.runId == runId }, abandonedAttempts: takingOver ? 1 : 0)
    }

    /// Hands queued commands to their runs; an unreadable one is logged and discarded, so that
    /// it cannot fill every page of the inbox.
    private func schedule(_ queued: [QueuedRunCommand], abandonedAttempts: Int = 0) async throws {
        var unreadable: [Int64] = []
        for entry in queued {
            guard let command = entry.command else {
                logger.error("discarding an unreadable command", metadata: ["run.id": "\(entry.runId)", "inbox.id": "\(entry.id)"])
                unreadable.append(entry.id)
                continue
            }
            registry.schedule(
                runId: entry.runId, delivery: RunCommandDelivery(command: command, inboxId: entry.id), abandonedAttempts: abandonedAttempts
            )
        }
        try await store.discardCommands(ids: unreadable)
    }

    /// Returns once no run is being driven (all finished or waiting for a person).
    public func waitUntilIdle() async {
        await registry.waitUntilIdle()
    }
}
