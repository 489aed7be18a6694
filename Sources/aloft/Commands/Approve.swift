import AloftCore
import AloftEngine
import ArgumentParser
import Foundation

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
        let store = try database.existingStore(forRun: id)
        let pending = try await store.pendingApprovals(runId: id)
        let callIds = call.isEmpty ? pending.map(\.call.id) : call
        guard !callIds.isEmpty else {
            printError("error: run \(id) is not waiting for approval")
            throw ExitCode(1)
        }
        let now = Date().timeIntervalSince1970
        for approval in pending where callIds.contains(approval.call.id) {
            if let deadline = approval.deadline, deadline <= now {
                printError(
                    "error: too late: the approval deadline of \(approval.call.name) [call \(approval.call.id)] passed at "
                        + Date(timeIntervalSince1970: deadline).formatted(.iso8601) + "; the call counts as denied (`aloft resume` goes on without it)"
                )
                throw ExitCode(1)
            }
        }
        let decisions = callIds.map { ApprovalDecision(callId: $0, approved: !deny, reason: reason) }
        let names = Dictionary(pending.map { ($0.call.id, $0.call.name) }, uniquingKeysWith: { first, _ in first })
        let verb = deny ? "denied" : "approved"
        let runId = id
        try await RunCommandSender(store: store, verbose: database.verbose).send(to: id) { engine in
            for decision in decisions {
                try await engine.resolveApproval(runId: runId, decision: decision)
                printError("\(verb) \(names[decision.callId] ?? decision.callId) [call \(decision.callId)]")
            }
        } queued: {
            decisions.map { .resolveApproval(decision: $0) }
        }
    }
}
