import AloftCore
import AloftEngine
import ArgumentParser

/// `aloft approve`: approves or denies the tool calls a run waits on, then continues it.
struct Approve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Approve (or deny) tool calls a run is waiting on, and continue the run."
    )

    @Argument(help: "The run id.")
    var id: String

    @Option(name: .long, help: "The tool call to decide (default: every call the run waits on).")
    var call: [String] = []

    @Flag(name: .long, help: "Deny instead of approve; the model is told and goes on without the call.")
    var deny = false

    @Option(name: .long, help: "Why, passed to the model with a denial.")
    var reason: String?

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let store = try database.openStore()
        let pending = try await store.pendingApprovals(runId: id)
        let callIds = call.isEmpty ? pending.map(\.call.id) : call
        guard !callIds.isEmpty else {
            printError("error: run \(id) is not waiting for approval")
            throw ExitCode(1)
        }
        let decisions = callIds.map { ApprovalDecision(callId: $0, approved: !deny, reason: reason) }
        for decision in decisions {
            let name = pending.first { $0.call.id == decision.callId }?.call.name ?? decision.callId
            printError("\(deny ? "denied" : "approved") \(name) [call \(decision.callId)]")
        }
        let runId = id
        try await RunCommandSender(store: store, verbose: database.verbose).send(to: id) { engine in
            for decision in decisions { try await engine.resolveApproval(runId: runId, decision: decision) }
        } queued: {
            decisions.map { .resolveApproval(decision: $0) }
        }
    }
}
