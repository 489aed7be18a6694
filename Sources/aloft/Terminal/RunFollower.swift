import AloftCore
import AloftEngine
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Follows a run in the terminal: streams its text to standard output and its tool activity
/// to standard error (or every event as a JSON line with `--json`), and asks for approvals
/// inline when a person is at the terminal.
struct RunFollower: Sendable {
    let channel: any RunChannel
    let json: Bool
    let interactive: Bool

    init(channel: any RunChannel, json: Bool, interactive: Bool) {
        self.channel = channel
        self.json = json
        self.interactive = interactive
    }

    init(engine: LocalEngine, json: Bool, interactive: Bool) {
        self.init(channel: EngineRunChannel(engine: engine), json: json, interactive: interactive)
    }

    static var stdinIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// Follows the run until it ends, or until it waits for approval with nobody to ask.
    /// Returns the run's phase at that point.
    @discardableResult
    func follow(runId: String, after: Int) async throws -> RunPhase {
        var midLine = false
        var asked = Set<String>()
        for try await event in channel.events(runId: runId, after: after) {
            if json {
                write(Self.jsonLine(event) + "\n")
            }
            switch event.kind {
            case .runContent:
                if !json {
                    write(event.data["delta"]?.stringValue ?? "")
                    midLine = true
                }
            case .runContentReset:
                // A terminal cannot take back what it printed: say that it no longer counts.
                if !json {
                    if midLine { write("\n"); midLine = false }
                    printError("↺ the answer above broke off and is discarded; the model answers again (attempt \(event.data["attempt"]?.integer(in: 1...Int.max) ?? 2))")
                }
            case .toolCallStarted:
                if !json {
                    if midLine { write("\n"); midLine = false }
                    let call = event.data["tool_call"]
                    printError("→ \(call?["name"]?.stringValue ?? "?")(\(call?["arguments"]?.stringValue ?? ""))")
                }
            case .toolCallCompleted:
                if !json {
                    let name = event.data["name"]?.stringValue ?? "?"
                    let content = event.data["content"]?.stringValue ?? ""
                    let summary = content.count > 160 ? String(content.prefix(160)) + "…" : content
                    printError(event.data["is_error"] == true ? "← \(name) failed: \(summary)" : "← \(name): \(summary)")
                }
            case .runPaused:
                if midLine { write("\n"); midLine = false }
                let calls = ((try? decodeCalls(event.data["tool_calls"])) ?? []).filter { !asked.contains($0.id) }
                asked.formUnion(calls.map(\.id))
                if calls.isEmpty { continue }
                if interactive {
                    try await ask(about: calls, runId: runId)
                } else {
                    for call in calls {
                        printError("⏸ run \(runId) waits for approval of \(call.name)(\(call.arguments)) [call \(call.id)]")
                    }
                    printError("  approve: aloft approve \(runId)\n  deny:    aloft approve \(runId) --deny --reason \"…\"")
                    return try await channel.summary(runId: runId).phase
                }
            case .runResumed:
                break
            case .runCompleted, .runFailed, .runCancelled:
                if midLine { write("\n") }
                let summary = try await channel.summary(runId: runId)
                if !json { printError(summary.line) }
                return summary.phase
            case .runStarted:
                break
            }
        }
        return try await channel.summary(runId: runId).phase
    }

    private func ask(about calls: [ToolCall], runId: String) async throws {
        for call in calls {
            printError("⏸ \(call.name)(\(call.arguments)) needs your approval.")
            FileHandle.standardError.write(Data("  Approve? [y/N] ".utf8))
            let answer = (await Self.readLine() ?? "").trimmingCharacters(in: .whitespaces).lowercased()
            let approved = answer == "y" || answer == "yes"
            var reason: String?
            if !approved {
                FileHandle.standardError.write(Data("  Reason (optional): ".utf8))
                reason = (await Self.readLine()).flatMap { $0.isEmpty ? nil : $0 }
            }
            try await channel.resolve(runId: runId, decision: ApprovalDecision(callId: call.id, approved: approved, reason: reason))
        }
    }

    /// Reads a line on its own thread, so the engine keeps running meanwhile.
    static func readLine() async -> String? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: Swift.readLine()) }
        }
    }

    private func decodeCalls(_ value: JSONValue?) throws -> [ToolCall] {
        guard case .array(let items) = value else { return [] }
        return items.map {
            ToolCall(id: $0["id"]?.stringValue ?? "", name: $0["name"]?.stringValue ?? "", arguments: $0["arguments"]?.stringValue ?? "")
        }
    }

    static func jsonLine(_ event: RunEvent) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(event)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func summary(of run: Run) -> String {
        let usage = "\(run.iterations) model call(s), \(run.usage.inputTokens) tokens in / \(run.usage.outputTokens) out"
        switch run.phase {
        case .completed: return "✓ run \(run.id) completed · \(usage)"
        case .failed: return "✗ run \(run.id) failed · \(run.error?.description ?? "unknown error")"
        case .cancelled: return "■ run \(run.id) cancelled · \(usage)"
        default: return "… run \(run.id) is \(run.phase.rawValue)"
        }
    }
}
