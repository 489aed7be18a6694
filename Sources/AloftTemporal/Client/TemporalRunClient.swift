public import AloftCore
public import AloftTemporalAPI
import Foundation
import GRPCCore

/// What an API server asks Temporal about runs: start one (workflow id = run id), pass on a
/// person's decision (a signal), stop one (workflow cancellation), and how it stands.
/// Each call is idempotent: a request id derived from what it does makes a retry harmless.
public struct TemporalRunClient: Sendable {
    let connection: TemporalConnection
    let taskQueue: String
    let identity: String

    public init(connection: TemporalConnection, taskQueue: String, identity: String) {
        self.connection = connection
        self.taskQueue = taskQueue
        self.identity = identity
    }

    /// Starts the run's workflow. Starting it again (a retried request) is not an error.
    public func start(_ input: RunWorkflowInput) async throws {
        var request = Temporal_Api_Workflowservice_V1_StartWorkflowExecutionRequest()
        request.namespace = connection.endpoint.namespace
        request.workflowID = input.runId
        request.workflowType.name = RunWorkflowWorker.workflowType
        request.taskQueue = TemporalConnection.queue(taskQueue)
        request.input = try TemporalPayload.payloads(input)
        request.identity = identity
        request.requestID = "start-\(input.runId)"
        request.workflowIDReusePolicy = .rejectDuplicate
        request.workflowIDConflictPolicy = .useExisting
        _ = try await connection.call { try await $0.startWorkflowExecution(request) }
    }

    /// Sends a person's decision on a tool call to the run.
    public func resolveApproval(runId: String, decision: ApprovalDecision) async throws {
        var request = Temporal_Api_Workflowservice_V1_SignalWorkflowExecutionRequest()
        request.namespace = connection.endpoint.namespace
        request.workflowExecution.workflowID = runId
        request.signalName = RunWorkflowKey.approvalSignal
        request.input = try TemporalPayload.payloads(decision)
        request.identity = identity
        request.requestID = "approval-\(runId)-\(decision.callId)"
        _ = try await connection.call { try await $0.signalWorkflowExecution(request) }
    }

    /// Asks the run to stop: its workflow is cancelled, the activities under way with it.
    public func cancel(runId: String, reason: String?) async throws {
        var request = Temporal_Api_Workflowservice_V1_RequestCancelWorkflowExecutionRequest()
        request.namespace = connection.endpoint.namespace
        request.workflowExecution.workflowID = runId
        request.identity = identity
        request.requestID = "cancel-\(runId)"
        request.reason = reason ?? ""
        _ = try await connection.call { try await $0.requestCancelWorkflowExecution(request) }
    }

    /// The workflow's status (running, completed, failed, canceled, …).
    public func status(runId: String) async throws -> Temporal_Api_Enums_V1_WorkflowExecutionStatus {
        var request = Temporal_Api_Workflowservice_V1_DescribeWorkflowExecutionRequest()
        request.namespace = connection.endpoint.namespace
        request.execution.workflowID = runId
        return try await connection.call { try await $0.describeWorkflowExecution(request) }.workflowExecutionInfo.status
    }

    /// The length, in events and bytes, of the history of the run's current workflow execution.
    public func historySize(runId: String) async throws -> (events: Int64, bytes: Int64) {
        var request = Temporal_Api_Workflowservice_V1_DescribeWorkflowExecutionRequest()
        request.namespace = connection.endpoint.namespace
        request.execution.workflowID = runId
        let info = try await connection.call { try await $0.describeWorkflowExecution(request) }.workflowExecutionInfo
        return (info.historyLength, info.historySizeBytes)
    }

    /// The whole history of the run's workflow (its current execution).
    public func history(runId: String) async throws -> [Temporal_Api_History_V1_HistoryEvent] {
        var events: [Temporal_Api_History_V1_HistoryEvent] = []
        var page = Data()
        repeat {
            var request = Temporal_Api_Workflowservice_V1_GetWorkflowExecutionHistoryRequest()
            request.namespace = connection.endpoint.namespace
            request.execution.workflowID = runId
            request.nextPageToken = page
            let answer = try await connection.call { try await $0.getWorkflowExecutionHistory(request) }
            events += answer.history.events
            page = answer.nextPageToken
        } while !page.isEmpty
        return events
    }
}
