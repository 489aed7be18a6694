import AloftCore
import AloftTemporalAPI
import Foundation
import GRPCCore
public import Logging

/// Polls a task queue for the workflow tasks of runs and answers each: the whole history
/// (paged), folded into the run's journal (`RunWorkflowHistory`), projected into the store,
/// then the loop's next orders as commands (`RunWorkflowCommands`). Activities Temporal
/// hands back eagerly go to `activities`.
public struct RunWorkflowWorker: Sendable {
    /// The workflow type of a run.
    public static let workflowType = "aloft.run"

    let connection: TemporalConnection
    let taskQueue: String
    let identity: String
    let context: any RunWorkflowContext
    let activities: ActivityWorker?
    let logger: Logger

    public init(
        connection: TemporalConnection, taskQueue: String, identity: String, context: any RunWorkflowContext, activities: ActivityWorker?,
        logger: Logger
    ) {
        self.connection = connection
        self.taskQueue = taskQueue
        self.identity = identity
        self.context = context
        self.activities = activities
        self.logger = logger
    }

    /// Polls until the task is cancelled, or until graceful shutdown (the tasks being
    /// answered are answered first).
    public func run(pollers: Int = 4) async {
        await TaskPolling.run(pollers: pollers, poll: { await poll() }, handle: { await answer($0) })
    }

    private func poll() async -> Temporal_Api_Workflowservice_V1_PollWorkflowTaskQueueResponse? {
        var request = Temporal_Api_Workflowservice_V1_PollWorkflowTaskQueueRequest()
        request.namespace = connection.endpoint.namespace
        request.taskQueue = TemporalConnection.queue(taskQueue)
        request.identity = identity
        return await connection.longPoll("workflow tasks", logger: logger, token: \.taskToken) { options in
            try await connection.service.pollWorkflowTaskQueue(request, options: options)
        }
    }

    /// Decides one workflow task and sends the commands; a task that cannot be decided is
    /// failed (Temporal retries it, and shows why).
    func answer(_ task: Temporal_Api_Workflowservice_V1_PollWorkflowTaskQueueResponse) async {
        let workflowId = task.workflowExecution.workflowID
        do {
            let commands = try await decide(task)
            var request = Temporal_Api_Workflowservice_V1_RespondWorkflowTaskCompletedRequest()
            request.namespace = connection.endpoint.namespace
            request.taskToken = task.taskToken
            request.identity = identity
            request.commands = commands
            let reply = try await connection.service.respondWorkflowTaskCompleted(request)
            for activity in reply.activityTasks { activities?.accept(activity) }
        } catch {
            logger.error("a workflow task failed", metadata: ["workflow": "\(workflowId)", "error": "\(error)"])
            var request = Temporal_Api_Workflowservice_V1_RespondWorkflowTaskFailedRequest()
            request.namespace = connection.endpoint.namespace
            request.taskToken = task.taskToken
            request.identity = identity
            request.cause = .workflowWorkerUnhandledFailure
            request.failure.message = "\(error)"
            request.failure.source = "aloft"
            _ = try? await connection.service.respondWorkflowTaskFailed(request)
        }
    }

    func decide(_ task: Temporal_Api_Workflowservice_V1_PollWorkflowTaskQueueResponse) async throws -> [Temporal_Api_Command_V1_Command] {
        var events = task.history.events
        var page = task.nextPageToken
        while !page.isEmpty {
            var request = Temporal_Api_Workflowservice_V1_GetWorkflowExecutionHistoryRequest()
            request.namespace = connection.endpoint.namespace
            request.execution = task.workflowExecution
            request.nextPageToken = page
            let more = try await connection.service.getWorkflowExecutionHistory(request)
            events += more.history.events
            page = more.nextPageToken
        }
        guard case .workflowExecutionStartedEventAttributes(let started) = events.first?.attributes else {
            throw TemporalError(code: .badHistory, message: "the history of \(task.workflowExecution.workflowID) does not begin with its start")
        }
        let input = try TemporalPayload.decode(RunWorkflowInput.self, from: started.input)
        let (start, configuration) = try await context.start(of: input)
        var history: RunWorkflowHistory
        switch configuration {
        case .success(let configuration):
            history = RunWorkflowHistory(start: start, configuration: configuration)
            for event in events { try history.apply(event) }
        case .failure(let error):
            // The agent cannot run here: the run fails, as on the embedded engine.
            history = RunWorkflowHistory(start: start, configuration: LoopConfiguration(tools: [], policies: AgentPolicies()))
            history.fail(error)
        }
        try await context.project(runId: input.runId, journal: history.journal)
        return try RunWorkflowCommands.commands(for: history, runId: input.runId, taskQueue: taskQueue, eager: activities?.hasRoom ?? false)
    }
}
