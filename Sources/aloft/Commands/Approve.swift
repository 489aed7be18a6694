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

    @OptionGroup var remote: ServerOptions

    func run() async throws {
        if let api = remote.client {
            try await ServerOptions.acting {
                let run = try await api.send(.GET, "/v1/runs/\(id)")
                guard case .array(let pending) = run["pending_approvals"] ?? .null, !pending.isEmpty else {
                    printError("error: run \(id) is not waiting for approval")
                    throw ExitCode(1)
                }
                let chosen = pending.filter { call.isEmpty || call.contains($0["tool_call"]?["id"]?.stringValue ?? "") }
                let decisions: [JSONValue] = chosen.compactMap { approval in
                    guard let callId = approval["tool_call"]?["id"]?.stringValue else { return nil }
                    var decision: [String: JSONValue] = [
                        "tool_call_id": .string(callId), "approved": .bool(!deny), "decided_by": .string(TerminalUser.decider),
                    ]
                    if let reason { decision["reason"] = .string(reason) }
                    return .object(decision)
                }
                do {
                    try await api.send(.POST, "/v1/runs/\(id)/approval", json: ["decisions": .array(decisions)])
                } catch let error as APIClientError where error.code == "approval_deadline_passed" {
                    printError("error: too late: \(error.message)")
                    throw ExitCode(1)
                }
                for approval in chosen {
                    printError("\(deny ? "denied" : "approved") \(approval["tool_call"]?["name"]?.stringValue ?? "?") [call \(approval["tool_call"]?["id"]?.stringValue ?? "?")]")
                }
            }
            return
        }
        let store = try await database.existingStore(forRun: id)
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
        let decisions = callIds.map { ApprovalDecision(callId: $0, approved: !deny, reason: reason, decidedBy: TerminalUser.decider) }
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
