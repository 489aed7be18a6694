import Foundation

/// The gRPC API's records of executions, kept by a store beside the runs they describe.
public protocol ExecutionStore: Sendable {
    /// Records a new execution before its run starts. `StoreError` `conflict` when another
    /// execution of the agent has the slug — unless that one's run does not exist (it never
    /// started, or it was deleted), whose record gives the slug up.
    func reserveExecution(_ record: ExecutionRecord) async throws
    /// The record of a run's execution, if the gRPC API made one.
    func executionRecord(runId: String) async throws -> ExecutionRecord?
    /// The records of these runs' executions, by run id (runs without one are left out).
    func executionRecords(runIds: [String]) async throws -> [String: ExecutionRecord]
    /// Replaces a record (a new name, slug, who changed it); `conflict` as `reserveExecution`.
    func updateExecution(_ record: ExecutionRecord) async throws
    /// Replaces the input (and the user's message holding it), correlation id and labels of a
    /// run an external runner carries out, while it is still PENDING, in one transaction; false
    /// when it is not such a run, or no longer pending.
    func replacePendingSpec(runId: String, input: String, correlationId: String?, labels: [String: String], at date: Date) async throws -> Bool
    /// Deletes a record whose run never started.
    func deleteExecution(runId: String) async throws
}
