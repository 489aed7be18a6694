public import AloftCore
public import AloftRuntime
import AloftTemporalAPI
import Foundation
public import Logging
public import ServiceLifecycle

/// How a worker takes part: which Temporal, which task queue, how much at once.
public struct TemporalWorkerConfiguration: Sendable {
    public var endpoint: TemporalEndpoint
    /// The task queue runs are scheduled on; API servers start workflows on the same one.
    public var taskQueue: String
    /// Shown in Temporal's history and Web UI next to every task this worker took.
    public var identity: String
    /// Model and tool calls at once; more wait on Temporal's task queue.
    public var maxConcurrentActivities: Int
    public var workflowPollers: Int
    public var activityPollers: Int
    /// A run's workflow history this long (events) continues as a new execution.
    public var continueAsNewAfterEvents: Int64 = RunWorkflowCommands.defaultContinueAfter

    public init(
        endpoint: TemporalEndpoint, taskQueue: String = TemporalWorkerConfiguration.defaultTaskQueue,
        identity: String = TemporalWorkerConfiguration.processIdentity, maxConcurrentActivities: Int = 100, workflowPollers: Int = 8,
        activityPollers: Int = 4
    ) {
        self.endpoint = endpoint
        self.taskQueue = taskQueue
        self.identity = identity
        self.maxConcurrentActivities = maxConcurrentActivities
        self.workflowPollers = workflowPollers
        self.activityPollers = activityPollers
    }

    /// The task queue when none is named.
    public static let defaultTaskQueue = "aloft"

    /// `PID@HOST`, as Temporal's SDKs name a worker.
    public static var processIdentity: String { "\(ProcessInfo.processInfo.processIdentifier)@\(ProcessInfo.processInfo.hostName)" }

    /// What goes wrong with the numbers, if anything.
    public var problems: [String] {
        var problems: [String] = []
        if !(1...10_000).contains(maxConcurrentActivities) { problems.append("max concurrent activities must be between 1 and 10000") }
        if taskQueue.isEmpty || taskQueue.utf8.count > 200 { problems.append("the task queue name must be 1 to 200 characters") }
        return problems
    }
}

/// A Temporal worker for Aloft runs: the run workflow's tasks (history → journal → store →
/// commands) and the model and tool activities, on two connections of their own (workflow
/// tasks never wait behind activity heartbeats).
///
/// Graceful shutdown drains: polling stops at once, the tasks under way finish and are
/// reported, then Temporal is told the worker is gone. A worker that is killed loses
/// nothing either: its attempts time out after `RunWorkflowCommands.heartbeatTimeoutSeconds`
/// and run again on another worker, with the same idempotency keys.
public final class TemporalWorker: Service {
    let configuration: TemporalWorkerConfiguration
    let store: any RunStore
    let catalog: AgentCatalog
    let bus: (any RunEventBus)?
    let metrics: RunMetrics
    let logger: Logger

    /// - Parameter bus: where events are published as the worker records them (deltas
    ///   included); on a shared store, one that reaches the other processes.
    public init(
        configuration: TemporalWorkerConfiguration, store: any RunStore, catalog: AgentCatalog, bus: (any RunEventBus)?, metrics: RunMetrics,
        logger: Logger
    ) {
        self.configuration = configuration
        self.store = store
        self.catalog = catalog
        self.bus = bus
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        let workflowConnection = try TemporalConnection(configuration.endpoint)
        let activityConnection = try TemporalConnection(configuration.endpoint)
        let (queue, identity) = (configuration.taskQueue, configuration.identity)
        let projected = ProjectedRuns()
        let activities = ActivityWorker(
            connection: activityConnection, taskQueue: queue, identity: identity,
            handlers: RunActivities(store: store, catalog: catalog, bus: bus, metrics: metrics, projected: projected, logger: logger).handlers,
            maxConcurrent: configuration.maxConcurrentActivities, logger: logger
        )
        let workflows = RunWorkflowWorker(
            connection: workflowConnection, taskQueue: queue, identity: identity,
            context: StoreRunWorkflowContext(store: store, catalog: catalog, bus: bus, projected: projected), activities: activities,
            continueAfter: configuration.continueAsNewAfterEvents, logger: logger
        )
        // The connections outlive the workers' cancellation: a worker that is stopped still
        // reports its attempts (Temporal retries them at once on another worker instead of
        // after the heartbeat timeout), then closes them.
        let connections = [workflowConnection, activityConnection].map { connection in Task { try await connection.run() } }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { workers in
                workers.addTask { await workflows.run(pollers: self.configuration.workflowPollers) }
                workers.addTask { await activities.run(pollers: self.configuration.activityPollers) }
            }
        } onGracefulShutdown: {
            self.logger.info("stopping: no new tasks are taken; those under way finish", metadata: ["activities": "\(activities.tasksRunning)"])
        }
        await Task {
            var request = Temporal_Api_Workflowservice_V1_ShutdownWorkerRequest()
            request.namespace = configuration.endpoint.namespace
            request.identity = identity
            request.stickyTaskQueue = workflows.stickyQueue  // its tasks go to the other workers at once
            request.reason = "graceful shutdown"
            _ = try? await workflowConnection.call { try await $0.shutdownWorker(request) }
        }.value
        workflowConnection.close()
        activityConnection.close()
        for connection in connections { try await connection.value }
    }
}
