import AloftCore
import AloftRuntime
import AloftTemporalAPI
import Foundation
import GRPCCore
public import Logging

/// Polls a task queue for the workflow tasks of runs and answers each: the history folded into
/// the run's journal (`RunWorkflowHistory`), projected into the store, then the loop's next
/// orders as commands (`RunWorkflowCommands`). Activities Temporal hands back eagerly go to
/// `activities`.
///
/// Sticky, as Temporal's SDKs are: after answering a run's task the worker asks for the
/// run's next tasks on a queue of its own, keeps the folded history, and applies only the
/// new events — a task costs the same at the 300th tool call as at the first, and Temporal
/// matches it at once. A task of a run it does not hold (another worker answered, the
/// worker restarted, the cache forgot it) brings or fetches the whole history.
public struct RunWorkflowWorker: Sendable {
    /// The workflow type of a run.
    public static let workflowType = "aloft.run"

    let connection: TemporalConnection
    let taskQueue: String
    let identity: String
    let context: any RunWorkflowContext
    let activities: ActivityWorker?
    let logger: Logger
    /// This worker's own queue, where Temporal sends the next tasks of the runs it answered.
    public let stickyQueue: String
    /// The folded history of the runs this worker answered last, by workflow id.
    private let held = BoundedCache<String, HeldRun>(capacity: 10_000)

    struct HeldRun: Sendable {
        var history: RunWorkflowHistory
        var runId: String
        /// The id of the last history event folded in.
        var lastEventId: Int64
    }

    /// A history this long (events) continues as a new execution when nothing is under way.
    let continueAfter: Int64

    /// Workflow tasks answered at once, per queue (normal and sticky).
    static let maxConcurrentTasks = 100

    /// How long a task waits on the sticky queue before Temporal gives it to any worker.
    static let stickyScheduleToStart: Int64 = 5

    public init(
        connection: TemporalConnection, taskQueue: String, identity: String, context: any RunWorkflowContext, activities: ActivityWorker?,
        continueAfter: Int64 = RunWorkflowCommands.defaultContinueAfter, logger: Logger
    ) {
        self.continueAfter = continueAfter
        self.connection = connection
        self.taskQueue = taskQueue
        self.identity = identity
        self.context = context
        self.activities = activities
        self.logger = logger
        self.stickyQueue = "\(taskQueue)-\(identity)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Polls until the task is cancelled, or until graceful shutdown (the tasks being
    /// answered are answered first).
    public func run(pollers: Int = 4) async {
        await withDiscardingTaskGroup { group in
            for sticky in [false, true] {
                group.addTask {
                    await TaskPolling.run(
                        pollers: sticky ? max(1, pollers - pollers / 2) : max(1, pollers / 2), maxConcurrent: Self.maxConcurrentTasks,
                        poll: { await poll(sticky: sticky) }, handle: { await answer($0) }
                    )
                }
            }
        }
    }

    private func poll(sticky: Bool) async -> Temporal_Api_Workflowservice_V1_PollWorkflowTaskQueueResponse? {
        var request = Temporal_Api_Workflowservice_V1_PollWorkflowTaskQueueRequest()
        request.namespace = connection.endpoint.namespace
        request.taskQueue = sticky ? stickyQueueReference : TemporalConnection.queue(taskQueue)
        request.identity = identity
        return await connection.longPoll("workflow tasks", logger: logger, token: \.taskToken) { metadata in
            try await connection.service.pollWorkflowTaskQueue(request, metadata: metadata)
        }
    }

    private var stickyQueueReference: Temporal_Api_Taskqueue_V1_TaskQueue {
        var queue = Temporal_Api_Taskqueue_V1_TaskQueue()
        queue.name = stickyQueue
        queue.kind = .sticky
        queue.normalName = taskQueue
        return queue
    }

    /// Decides one workflow task and sends the commands; a task that cannot be decided is
    /// failed (Temporal retries it, and shows why).
    func answer(_ task: Temporal_Api_Workflowservice_V1_PollWorkflowTaskQueueResponse) async {
        let workflowId = task.workflowExecution.workflowID
        do {
            let (commands, closes) = try await decide(task)
            var request = Temporal_Api_Workflowservice_V1_RespondWorkflowTaskCompletedRequest()
            request.namespace = connection.endpoint.namespace
            request.taskToken = task.taskToken
            request.identity = identity
            request.commands = commands
            if !closes {
                request.stickyAttributes.workerTaskQueue = stickyQueueReference
                request.stickyAttributes.scheduleToStartTimeout.seconds = Self.stickyScheduleToStart
            }
            do {
                let reply = try await connection.call { try await $0.respondWorkflowTaskCompleted(request) }
                for activity in reply.activityTasks { activities?.accept(activity) }
            } catch {
                held.remove(workflowId)  // the run goes on without this answer: what is held is behind
                throw error
            }
        } catch {
            held.remove(workflowId)
            logger.error("a workflow task failed", metadata: ["workflow": "\(workflowId)", "error": "\(error)"])
            var request = Temporal_Api_Workflowservice_V1_RespondWorkflowTaskFailedRequest()
            request.namespace = connection.endpoint.namespace
            request.taskToken = task.taskToken
            request.identity = identity
            request.cause = .workflowWorkerUnhandledFailure
            request.failure.message = "\(error)"
            request.failure.source = "aloft"
            _ = try? await connection.call { try await $0.respondWorkflowTaskFailed(request) }
        }
    }

    /// The task's commands, and whether they close the workflow.
    func decide(_ task: Temporal_Api_Workflowservice_V1_PollWorkflowTaskQueueResponse) async throws -> (
        commands: [Temporal_Api_Command_V1_Command], closes: Bool
    ) {
        let workflowId = task.workflowExecution.workflowID
        var events = try await rest(of: task.history.events, page: task.nextPageToken, execution: task.workflowExecution)
        let first = events.first?.eventID ?? 0
        var run: HeldRun
        let continuing: Bool
        if first > 1, let known = held[workflowId], known.lastEventId + 1 == first {
            // The next events of a run this worker holds.
            run = known
            continuing = true
        } else {
            // A run this worker does not hold (or a partial history it cannot continue): from the start.
            if first != 1 { events = try await rest(of: [], page: Data(), execution: task.workflowExecution) }
            run = try await fold(start: events)
            continuing = false
        }
        if continuing {
            for event in events { try run.history.apply(event) }
        }
        run.lastEventId = events.last?.eventID ?? run.lastEventId
        try await context.project(runId: run.runId, journal: run.history.journal, continuing: continuing)
        let commands = try RunWorkflowCommands.commands(
            for: run.history, runId: run.runId, taskQueue: taskQueue, eager: activities?.hasRoom ?? false, continueAfter: continueAfter
        )
        let closes = run.history.state.outcome != nil || commands.contains { $0.commandType == .continueAsNewWorkflowExecution }
        if closes { held.remove(workflowId) } else { held.set(run, for: workflowId) }
        return (commands, closes)
    }

    /// A run's history from its first event: its start (the input names the run), the
    /// context's start of it, and every event folded in.
    private func fold(start events: [Temporal_Api_History_V1_HistoryEvent]) async throws -> HeldRun {
        guard case .workflowExecutionStartedEventAttributes(let started) = events.first?.attributes else {
            throw TemporalError(code: .badHistory, message: "a run's history does not begin with its start")
        }
        let input = try TemporalPayload.decode(RunWorkflowInput.self, from: started.input)
        let (start, configuration) = try await context.start(of: input)
        var history: RunWorkflowHistory
        switch configuration {
        case .success(let configuration):
            if let recorded = input.recorded, recorded > 0 {
                // Continued as a new execution: from what the earlier ones recorded.
                history = RunWorkflowHistory(recorded: try await context.recorded(runId: input.runId, count: recorded), configuration: configuration)
            } else {
                history = RunWorkflowHistory(start: start, configuration: configuration)
            }
            for event in events { try history.apply(event) }
        case .failure(let error):
            // The agent cannot run here: the run fails, as on the embedded engine.
            history = RunWorkflowHistory(start: start, configuration: LoopConfiguration(tools: [], policies: AgentPolicies()))
            history.fail(error)
        }
        return HeldRun(history: history, runId: input.runId, lastEventId: events.last?.eventID ?? 0)
    }

    /// `events` and the pages after them (all of the history, from `page` empty and no events).
    private func rest(
        of events: [Temporal_Api_History_V1_HistoryEvent], page: Data, execution: Temporal_Api_Common_V1_WorkflowExecution
    ) async throws -> [Temporal_Api_History_V1_HistoryEvent] {
        var events = events
        var page = page
        var first = events.isEmpty
        while first || !page.isEmpty {
            first = false
            var request = Temporal_Api_Workflowservice_V1_GetWorkflowExecutionHistoryRequest()
            request.namespace = connection.endpoint.namespace
            request.execution = execution
            request.nextPageToken = page
            let more = try await connection.call { try await $0.getWorkflowExecutionHistory(request) }
            events += more.history.events
            page = more.nextPageToken
        }
        return events
    }
}
