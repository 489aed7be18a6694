public import AloftTemporalAPI
import Foundation
import GRPCCore
public import Logging
import Synchronization

/// An activity task handed to a handler.
public typealias ActivityTask = Temporal_Api_Workflowservice_V1_PollActivityTaskQueueResponse

/// What an activity reports when it fails: a Temporal application failure. `nonRetryable`
/// (or a type the schedule lists as such) ends the retries at once.
public struct ActivityFailure: Error, Sendable {
    public var type: String
    public var message: String
    public var nonRetryable: Bool

    public init(type: String, message: String, nonRetryable: Bool = false) {
        self.type = type
        self.message = message
        self.nonRetryable = nonRetryable
    }
}

/// Polls a task queue for activity tasks and runs them with the handler of their type; also
/// runs the tasks Temporal hands a workflow worker eagerly (`accept`).
public final class ActivityWorker: Sendable {
    public typealias Handler = @Sendable (ActivityTask) async throws -> Temporal_Api_Common_V1_Payloads

    let connection: TemporalConnection
    let taskQueue: String
    let identity: String
    let handlers: [String: Handler]
    let maxConcurrent: Int
    let logger: Logger
    /// Tasks to run: polled ones and those handed over eagerly.
    private let received: AsyncStream<ActivityTask>
    private let receivedSink: AsyncStream<ActivityTask>.Continuation
    private let running = Atomic<Int>(0)
    /// Polling has stopped (graceful shutdown): no task is taken any more.
    private let draining = Atomic<Bool>(false)

    public init(
        connection: TemporalConnection, taskQueue: String, identity: String, handlers: [String: Handler], maxConcurrent: Int = 20, logger: Logger
    ) {
        self.connection = connection
        self.taskQueue = taskQueue
        self.identity = identity
        self.handlers = handlers
        self.maxConcurrent = max(1, maxConcurrent)
        self.logger = logger
        (received, receivedSink) = AsyncStream.makeStream(of: ActivityTask.self)
    }

    /// Whether another task may start now (the workflow worker asks before requesting eager ones).
    public var hasRoom: Bool { !draining.load(ordering: .relaxed) && running.load(ordering: .relaxed) < maxConcurrent }

    /// Tasks under way.
    public var tasksRunning: Int { running.load(ordering: .relaxed) }

    /// Runs a task Temporal handed over with a workflow task's reply.
    public func accept(_ task: ActivityTask) { receivedSink.yield(task) }

    /// Polls and runs tasks until the task is cancelled, or until graceful shutdown: polling
    /// then stops and the tasks under way run to their end.
    public func run(pollers: Int = 2) async {
        await withDiscardingTaskGroup { group in
            group.addTask {
                await TaskPolling.run(pollers: pollers, maxConcurrent: Int.max, poll: { await self.poll() }, handle: { self.accept($0) })
                self.draining.store(true, ordering: .relaxed)
                self.receivedSink.finish()
            }
            for await task in received {
                running.add(1, ordering: .relaxed)
                group.addTask {
                    await self.execute(task)
                    self.running.subtract(1, ordering: .relaxed)
                }
            }
        }
    }

    private func poll() async -> ActivityTask? {
        guard hasRoom else {
            try? await Task.sleep(for: .milliseconds(50))
            return nil
        }
        var request = Temporal_Api_Workflowservice_V1_PollActivityTaskQueueRequest()
        request.namespace = connection.endpoint.namespace
        request.taskQueue = TemporalConnection.queue(taskQueue)
        request.identity = identity
        return await connection.longPoll("activity tasks", logger: logger, token: \.taskToken) { metadata in
            try await connection.service.pollActivityTaskQueue(request, metadata: metadata)
        }
    }

    /// How an attempt ended.
    private enum Finish: Sendable {
        case done(Result<Temporal_Api_Common_V1_Payloads, ActivityFailure>)
        /// The handler stopped (cancelled) without an answer.
        case stopped
        /// A heartbeat's reply said the workflow asked the activity to stop.
        case cancelRequested
    }

    /// Runs one task with its handler, heartbeating meanwhile (a heartbeat's reply is how a
    /// cancellation arrives: the handler is then cancelled — a model call stops its HTTP
    /// request), and reports the result, the failure or the cancellation to Temporal.
    public func execute(_ task: ActivityTask) async {
        let finish: Finish
        if let handler = handlers[task.activityType.name] {
            finish = await withTaskGroup(of: Finish.self) { group in
                group.addTask {
                    do {
                        return .done(.success(try await handler(task)))
                    } catch let failure as ActivityFailure {
                        return .done(.failure(failure))
                    } catch {
                        if Task.isCancelled || error is CancellationError { return .stopped }
                        return .done(.failure(ActivityFailure(type: "activity_error", message: "\(error)")))
                    }
                }
                group.addTask { await self.heartbeat(task) }
                let first = await group.next() ?? .stopped
                guard case .cancelRequested = first else {
                    group.cancelAll()
                    return first
                }
                // Asked to stop: the handler ends (and keeps what it must), then the attempt is cancelled.
                group.cancelAll()
                _ = await group.next()
                return .cancelRequested
            }
        } else {
            finish = .done(
                .failure(ActivityFailure(type: "unknown_activity", message: "no handler for activity type \(task.activityType.name.prefix(80))", nonRetryable: true))
            )
        }
        // Reported even when this worker is being stopped (its task cancelled): Temporal then
        // retries the attempt at once instead of after the heartbeat timeout.
        await Task { await self.report(finish, of: task) }.value
    }

    private func report(_ finish: Finish, of task: ActivityTask) async {
        let before = ActivityAttempts.before(task)
        do {
            switch finish {
            case .done(.success(let result)):
                var request = Temporal_Api_Workflowservice_V1_RespondActivityTaskCompletedRequest()
                request.namespace = connection.endpoint.namespace
                request.taskToken = task.taskToken
                request.identity = identity
                request.result = result
                _ = try await connection.call { try await $0.respondActivityTaskCompleted(request) }
            case .done(.failure(let failure)):
                var request = Temporal_Api_Workflowservice_V1_RespondActivityTaskFailedRequest()
                request.namespace = connection.endpoint.namespace
                request.taskToken = task.taskToken
                request.identity = identity
                request.failure.message = failure.message
                request.failure.source = "aloft"
                request.failure.applicationFailureInfo.type = failure.type
                // This failure counts: the last one the agent's policy allows is final.
                let failed = ActivityAttempts(failures: before.failures + 1)
                let usedUp = ActivityAttempts.allowed(task).map { failed.failures >= $0 } ?? false
                request.failure.applicationFailureInfo.nonRetryable = failure.nonRetryable || usedUp
                request.lastHeartbeatDetails = try TemporalPayload.payloads(failed)
                _ = try await connection.call { try await $0.respondActivityTaskFailed(request) }
            case .stopped:
                // Not asked to stop: this worker is stopping. Another one takes the attempt over.
                var request = Temporal_Api_Workflowservice_V1_RespondActivityTaskFailedRequest()
                request.namespace = connection.endpoint.namespace
                request.taskToken = task.taskToken
                request.identity = identity
                request.failure.message = "the worker \(identity) stopped during this attempt"
                request.failure.source = "aloft"
                request.failure.applicationFailureInfo.type = "worker_stopped"
                request.lastHeartbeatDetails = try TemporalPayload.payloads(before)  // not a failure of the call
                _ = try await connection.call { try await $0.respondActivityTaskFailed(request) }
            case .cancelRequested:
                var request = Temporal_Api_Workflowservice_V1_RespondActivityTaskCanceledRequest()
                request.namespace = connection.endpoint.namespace
                request.taskToken = task.taskToken
                request.identity = identity
                _ = try await connection.call { try await $0.respondActivityTaskCanceled(request) }
            }
        } catch let error as RPCError where error.code == .notFound {
            // The workflow closed meanwhile (the run stopped): nobody waits for this answer.
            logger.debug("an activity's workflow is gone", metadata: ["activity": "\(task.activityID)", "error": "\(error)"])
        } catch {
            // Temporal times the attempt out and retries it.
            logger.warning("cannot report an activity's result", metadata: ["activity": "\(task.activityID)", "error": "\(error)"])
        }
    }

    /// Heartbeats until cancelled, or until a reply says the activity is to stop. Often
    /// enough for the task's heartbeat timeout, and every few seconds without one (a stop
    /// reaches an activity only through a heartbeat's reply).
    private func heartbeat(_ task: ActivityTask) async -> Finish {
        let timeout = Double(task.heartbeatTimeout.seconds) + Double(task.heartbeatTimeout.nanos) / 1e9
        // Every second at most (runs' activities all have a heartbeat timeout), so that a stop
        // ends a streaming model call within about a second; every 5 s for an activity without one.
        let interval = timeout > 0 ? min(max(timeout * 0.4, 0.2), 1) : 5
        var request = Temporal_Api_Workflowservice_V1_RecordActivityTaskHeartbeatRequest()
        request.namespace = connection.endpoint.namespace
        request.taskToken = task.taskToken
        request.identity = identity
        // A worker lost mid-attempt passes the failures so far on through its last heartbeat.
        if let details = try? TemporalPayload.payloads(ActivityAttempts.before(task)) { request.details = details }
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
            if Task.isCancelled { break }
            do {
                if try await connection.call({ try await $0.recordActivityTaskHeartbeat(request) }).cancelRequested { return .cancelRequested }
            } catch let error as RPCError where error.code == .notFound {
                // The workflow closed (the run was stopped) or the attempt timed out: stop too.
                return .cancelRequested
            } catch {
                continue
            }
        }
        return .stopped
    }
}
