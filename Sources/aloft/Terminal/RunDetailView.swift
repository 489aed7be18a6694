import AloftCore
import AloftServer
import Foundation

/// `aloft runs show`: a run as the API represents it (`GET /v1/runs/{id}`, its messages and
/// its journal), read from the local database or a server, printed for people or as one
/// JSON line. One renderer for both, so `--server` shows exactly what a local read shows.
struct RunDetailView {
    /// `{run, messages, journal}` in the API's representation.
    var detail: JSONValue

    /// Reads run `id` from a local store; nil when there is no such run.
    static func local(_ store: any RunReader, id: String) async throws -> RunDetailView? {
        guard let run = try await store.run(id: id) else { return nil }
        let approvals = run.phase == .waitingForApproval ? try await store.pendingApprovals(runId: id) : []
        let records = try await store.journalRecords(runId: id)
        return RunDetailView(detail: [
            "run": Representation.run(run, approvals: approvals),
            "messages": .array(try await store.messages(runId: id).map(Representation.message)),
            "journal": .array(records.enumerated().map { Representation.journal($1, seq: $0 + 1) }),
        ])
    }

    /// Reads run `id` from a server.
    static func remote(_ api: AloftAPIClient, id: String) async throws -> RunDetailView {
        let run = try await api.send(.GET, "/v1/runs/\(id)")
        let messages = try await api.send(.GET, "/v1/runs/\(id)/messages")["data"] ?? []
        let journal = try await api.send(.GET, "/v1/runs/\(id)/journal")["data"] ?? []
        return RunDetailView(detail: ["run": run, "messages": messages, "journal": journal])
    }

    var jsonLine: String {
        guard case .object(var object) = detail else { return detail.jsonText() }
        object["type"] = "run_detail"
        return JSONValue.object(object).jsonText()
    }

    /// The journal's entries with their times, decoded back into the engine's types.
    var records: [JournalRecord] {
        guard case .array(let items) = detail["journal"] ?? .null else { return [] }
        let decoder = JSONDecoder()
        return items.compactMap { item in
            guard let entry = item["entry"], let time = item["recorded_at"]?.stringValue.flatMap(Self.parseTime),
                let decoded = try? decoder.decode(JournalEntry.self, from: Data(entry.jsonText().utf8))
            else { return nil }
            return JournalRecord(entry: decoded, recordedAt: time)
        }
    }

    static func parseTime(_ text: String) -> Date? {
        (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            ?? (try? Date(text, strategy: Date.ISO8601FormatStyle()))
    }

    /// The run for people: what it is, its conversation, what waits, and its timeline.
    func text(context: Bool) -> String {
        let run = detail["run"] ?? [:]
        let id = run["id"]?.stringValue ?? "?"
        var out = "run        \(id)\nsession    \(run["session_id"]?.stringValue ?? "")\n"
        out += "agent      \(run["agent"]?.stringValue ?? "") (version \(run["agent_version"]?.stringValue ?? ""))\n"
        out += "phase      \(run["phase"]?.stringValue ?? "")\n"
        let records = self.records
        let created = run["created_at"]?.stringValue.flatMap(Self.parseTime)
        let finished = run["finished_at"]?.stringValue.flatMap(Self.parseTime)
        if let created {
            out += "created    \(Self.wallClock(created))"
            if let finished {
                out += " · finished \(Self.wallClock(finished))"
                // The journal's times are precise to the millisecond; the run's to the second.
                if let first = records.first?.recordedAt, let last = records.last?.recordedAt, case .finished = records.last?.entry {
                    out += " · took \(Self.duration(last.timeIntervalSince(first)))"
                }
            }
            out += "\n"
        }
        let usage = run["usage"] ?? [:]
        out += "usage      \(run["iterations"]?.integer(in: 0...Int.max) ?? 0) model call(s), "
            + "\(usage["input_tokens"]?.integer(in: 0...Int.max) ?? 0) tokens in, \(usage["output_tokens"]?.integer(in: 0...Int.max) ?? 0) out\n"
        if let parent = run["metadata"]?["parent_run_id"]?.stringValue {
            out += "parent     \(parent) (tool call \(run["metadata"]?["parent_tool_call_id"]?.stringValue ?? "?"))\n"
        } else if let correlation = run["correlation_id"]?.stringValue {
            out += "correlation \(correlation)\n"
        }
        if let code = run["error"]?["code"]?.stringValue { out += "error      \(code): \(run["error"]?["message"]?.stringValue ?? "")\n" }
        out += "\nmessages\n"
        if case .array(let messages) = detail["messages"] ?? .null {
            for message in messages {
                out += "  [\(message["role"]?.stringValue ?? "")] \(message["content"]?.stringValue ?? "")"
                if case .array(let calls) = message["tool_calls"] ?? .null {
                    for call in calls {
                        out += "\n      calls \(call["name"]?.stringValue ?? "")(\(call["arguments"]?.stringValue ?? "")) [\(call["id"]?.stringValue ?? "")]"
                    }
                }
                if message["interrupted"] == .bool(true) { out += "  (interrupted)" }
                out += "\n"
            }
        }
        if case .array(let pending) = run["pending_approvals"] ?? .null, !pending.isEmpty {
            out += "\nwaiting for approval\n"
            for approval in pending {
                let call = approval["tool_call"] ?? [:]
                out += "  \(call["name"]?.stringValue ?? "")(\(call["arguments"]?.stringValue ?? "")) [call \(call["id"]?.stringValue ?? "")]"
                if let deadline = approval["deadline"]?.stringValue.flatMap(Self.parseTime) { out += " · deadline \(Self.wallClock(deadline))" }
                out += "\n"
            }
            out += "  approve: aloft approve \(id)    deny: aloft approve \(id) --deny\n"
        }
        out += "\njournal\n"
        if records.isEmpty { out += "  (none: it was pruned)\n" }
        out += Self.timeline(records)
        if context { out += Self.contexts(records.map(\.entry)) }
        return out
    }

    /// One line per entry: its time, how long the step took (since the entry before), what it
    /// recorded — model usage and calls, tool outcomes, who decided an approval, why a run stopped.
    static func timeline(_ records: [JournalRecord]) -> String {
        var out = ""
        var previous: Date?
        var names: [String: String] = [:]
        for (index, record) in records.enumerated() {
            let took = previous.map { "+" + duration(record.recordedAt.timeIntervalSince($0)) } ?? ""
            previous = record.recordedAt
            let what: String
            switch record.entry {
            case .started(let start):
                what = "agent \(start.agent)"
            case .modelResponded(let step, let response):
                for call in response.toolCalls { names[call.id] = call.name }
                let calls = response.toolCalls.map(\.name)
                what = "model call \(step): \(response.usage.inputTokens) in, \(response.usage.outputTokens) out"
                    + (calls.isEmpty ? ", answered" : ", asked for \(calls.joined(separator: ", "))")
            case .modelFailed(let step, let error):
                what = "model call \(step) failed: \(error.code.rawValue): \(error.message)"
            case .toolCompleted(let result):
                what = "\(result.name) [call \(result.callId)] " + (result.isError ? "failed (\(result.failure?.rawValue ?? "error"))" : "done")
            case .approvalResolved(let decision):
                what = "\(decision.approved ? "approved" : "denied") \(names[decision.callId] ?? "call") [call \(decision.callId)]"
                    + (decision.decidedBy.map { " by \($0)" } ?? "") + (decision.reason.map { ": \($0)" } ?? "")
            case .approvalTimedOut(let callIds):
                what = "approval deadline passed: denied \(callIds.map { "\(names[$0] ?? "call") [call \($0)]" }.joined(separator: ", "))"
            case .cancelRequested(let reason):
                what = "stop asked" + (reason.map { ": \($0)" } ?? "")
            case .finished(let outcome):
                switch outcome {
                case .completed: what = "completed"
                case .failed(let error): what = "failed: \(error.code.rawValue)"
                case .cancelled(let reason): what = "cancelled" + (reason.map { ": \($0)" } ?? "")
                }
            }
            out += "  \(String(index + 1).padding(4)) \(wallClock(record.recordedAt, timeOnly: true)) \(took.padding(9)) "
                + "\(record.entry.typeName.padding(19)) \(what)\n"
        }
        return out
    }

    /// The messages each model call was given: the transcript folded from the journal up to
    /// its answer (the start's context is rebuilt by the store from what it refers to).
    static func contexts(_ journal: [JournalEntry]) -> String {
        var out = ""
        var state = RunState(configuration: LoopConfiguration(tools: [], policies: AgentPolicies()))
        for entry in journal {
            switch entry {
            case .modelResponded(let step, _), .modelFailed(let step, _):
                let messages = state.transcript
                out += "\ncontext of model call \(step) (\(messages.count) messages)\n"
                for message in messages {
                    out += "  [\(message.role.rawValue)] \(message.content)"
                    for call in message.toolCalls { out += "\n      calls \(call.name)(\(call.arguments)) [\(call.id)]" }
                    out += "\n"
                }
            default:
                break
            }
            state.apply(entry)
        }
        return out
    }

    /// A time in this machine's time zone: `2026-11-22 13:05:01` (or `13:05:01.234`).
    static func wallClock(_ date: Date, timeOnly: Bool = false) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = timeOnly ? "HH:mm:ss.SSS" : "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    /// `0.25 s`, `12.3 s`, `4 min 5 s`, `2 h 3 min`.
    static func duration(_ seconds: TimeInterval) -> String {
        let seconds = max(0, seconds)
        if seconds < 10 { return String(format: "%.2f s", seconds) }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        if seconds < 3600 { return "\(Int(seconds) / 60) min \(Int(seconds) % 60) s" }
        return "\(Int(seconds) / 3600) h \(Int(seconds) % 3600 / 60) min"
    }
}
