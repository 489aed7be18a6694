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
    /// Fired when the person stops the run: an open approval question is then dropped.
    let stop: TerminalStop?

    init(channel: any RunChannel, json: Bool, interactive: Bool, stop: TerminalStop? = nil) {
        self.channel = channel
        self.json = json
        self.interactive = interactive
        self.stop = stop
    }

    init(engine: LocalEngine, json: Bool, interactive: Bool, stop: TerminalStop? = nil) {
        self.init(channel: EngineRunChannel(engine: engine), json: json, interactive: interactive, stop: stop)
    }

    static var stdinIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// Follows the run until it ends, or until it waits for approval with nobody to ask.
    /// Returns the run's phase at that point.
    @discardableResult
    func follow(runId: String, after: Int) async throws -> RunPhase {
        var midLine = false
        // A tool's progress (a remote agent's text) is being written on standard error.
        var progressOpen = false
        var asked = Set<String>()
        var thinking = false
        for try await event in channel.events(runId: runId, after: after) {
            if json {
                write(Self.jsonLine(event) + "\n")
            }
            if thinking {
                TerminalStyle.clearTransient()
                thinking = false
            }
            defer {
                // The model is being asked: say so until its first words (terminals only).
                if !json, !midLine, [.runStarted, .toolCallCompleted, .runResumed].contains(event.kind) {
                    TerminalStyle.transient("thinking…")
                    thinking = true
                }
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
            case .toolCallRequested:
                break  // asked about at the pause that follows
            case .toolCallStarted:
                if !json {
                    if midLine { write("\n"); midLine = false }
                    let call = event.data["tool_call"]
                    printError(TerminalStyle.paint("→ \(call?["name"]?.stringValue ?? "?")(\(call?["arguments"]?.stringValue ?? ""))", .tool))
                }
            case .toolCallProgress:
                if !json, let delta = event.data["delta"]?.stringValue {
                    if !progressOpen { FileHandle.standardError.write(Data(TerminalStyle.paint("  ⋯ ", .tool).utf8)) }
                    FileHandle.standardError.write(Data(TerminalStyle.paint(delta, .tool).utf8))
                    progressOpen = true
                }
            case .toolCallCompleted:
                if !json {
                    if progressOpen {
                        FileHandle.standardError.write(Data("\n".utf8))
                        progressOpen = false
                    }
                    let name = event.data["name"]?.stringValue ?? "?"
                    let content = event.data["content"]?.stringValue ?? ""
                    let summary = content.count > 160 ? String(content.prefix(160)) + "…" : content
                    printError(
                        event.data["is_error"] == true
                            ? TerminalStyle.paint("← \(name) failed: \(summary)", .failure) : TerminalStyle.paint("← \(name): \(summary)", .tool)
                    )
                }
            case .runPaused:
                if midLine { write("\n"); midLine = false }
                let calls = ((try? decodeCalls(event.data["tool_calls"])) ?? []).filter { !asked.contains($0.id) }
                asked.formUnion(calls.map(\.id))
                if calls.isEmpty { continue }
                if interactive, stop?.fired != true {
                    switch try await ask(about: calls, runId: runId) {
                    case .decided, .stopped:
                        continue  // a stopped run ends with its own event
                    case .inputEnded:
                        break
                    }
                }
                // Nobody to ask (or nobody answered): the run waits, durably, for a decision.
                for call in calls {
                    printError(TerminalStyle.paint("⏸ run \(runId) waits for approval of \(call.name)(\(call.arguments)) [call \(call.id)]", .approval))
                }
                let target = channel.commandSuffix
                printError("  approve: aloft approve \(runId)\(target)\n  deny:    aloft approve \(runId)\(target) --deny --reason \"…\"")
                return try await channel.summary(runId: runId).phase
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

    /// How asking at the terminal ended.
    enum Asked: Sendable {
        case decided
        /// Standard input ended before an answer: nobody decided.
        case inputEnded
        /// The person stopped the run instead of answering.
        case stopped
    }

    private func ask(about calls: [ToolCall], runId: String) async throws -> Asked {
        for call in calls {
            printError(TerminalStyle.paint("⏸ \(call.name)(\(call.arguments)) needs your approval.", .approval))
            FileHandle.standardError.write(Data("  Approve? [y/N] ".utf8))
            let answer: String
            switch await nextLine(prompt: "  Approve? [y/N] ") {
            case .text(let line)?: answer = line.trimmingCharacters(in: .whitespaces).lowercased()
            case .end?: return .inputEnded
            case nil: return .stopped
            }
            let approved = answer == "y" || answer == "yes"
            var reason: String?
            if !approved {
                FileHandle.standardError.write(Data("  Reason (optional): ".utf8))
                switch await nextLine(prompt: "  Reason (optional): ") {
                case .text(let line)?: reason = line.isEmpty ? nil : line
                case .end?: break  // the answer was given; only the reason is missing
                case nil: return .stopped
                }
            }
            try await channel.resolve(runId: runId, decision: ApprovalDecision(callId: call.id, approved: approved, reason: reason, decidedBy: TerminalUser.decider))
        }
        return .decided
    }

    /// The next line typed, or nil when the run is stopped first.
    private func nextLine(prompt: String) async -> TerminalInput.Line? {
        guard let stop else { return await TerminalInput.shared.next(prompt: prompt) }
        return await withTaskGroup(of: TerminalInput.Line??.self) { group in
            group.addTask { await TerminalInput.shared.next(prompt: prompt).map { .some($0) } }
            group.addTask {
                await stop.wait()
                return .some(nil)
            }
            defer { group.cancelAll() }
            while let result = await group.next() {
                if let result { return result }
            }
            return nil
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
