/// A run event as its event log stores it.
///
/// Text deltas are what a run emits most, so consecutive deltas of one model attempt (with
/// consecutive numbers) are stored as one record: `seq` is the last delta's number, the
/// deltas took the numbers just before it, and `data` holds `step`, `attempt` and the
/// `deltas` in order. A streamed answer costs one row per save window, not one per token,
/// and reading expands the record back into the very events clients saw, with their numbers —
/// so a client that reconnects in the middle of a window gets only the deltas it missed.
/// Every other event is stored as it is, except for text its step's messages already hold
/// (see `referring(to:)`).
public struct RunEventRecord: Sendable, Hashable {
    public var seq: Int
    public var kind: RunEvent.Kind
    public var data: JSONValue

    public init(seq: Int, kind: RunEvent.Kind, data: JSONValue) {
        self.seq = seq
        self.kind = kind
        self.data = data
    }

    /// The records for events in order: deltas merged as described above.
    public static func records(for events: [RunEvent]) -> [RunEventRecord] {
        var records: [RunEventRecord] = []
        var deltas: [JSONValue] = []
        var window: (seq: Int, step: JSONValue, attempt: JSONValue)?

        func close() {
            guard let open = window else { return }
            records.append(RunEventRecord(seq: open.seq, kind: .runContent, data: ["step": open.step, "attempt": open.attempt, "deltas": .array(deltas)]))
            window = nil
            deltas = []
        }

        for event in events {
            guard event.kind == .runContent, let delta = event.data["delta"], let step = event.data["step"] else {
                close()
                records.append(RunEventRecord(seq: event.seq, kind: event.kind, data: event.data))
                continue
            }
            let attempt = event.data["attempt"] ?? .number(1)
            if let open = window, open.seq + 1 == event.seq, open.step == step, open.attempt == attempt {
                window?.seq = event.seq
            } else {
                close()
                window = (event.seq, step, attempt)
            }
            deltas.append(delta)
        }
        close()
        return records
    }

    /// The events this record stands for, oldest first.
    public func events(runId: String) -> [RunEvent] {
        guard kind == .runContent, case .array(let deltas)? = data["deltas"] else {
            return [RunEvent(runId: runId, seq: seq, kind: kind, data: data)]
        }
        let first = seq - deltas.count + 1
        return deltas.enumerated().map { offset, delta in
            RunEvent(
                runId: runId, seq: first + offset, kind: .runContent,
                data: ["delta": delta, "step": data["step"] ?? .null, "attempt": data["attempt"] ?? .number(1)]
            )
        }
    }

    /// The record with text that `messages` — written in the same step — already hold replaced
    /// by the message's session position: a tool result's `content` (`content_of`), a completed
    /// run's `answer` (`answer_of`), a started tool call (`tool_call_of`, with its `id`). So a
    /// long tool result or answer is stored once, in its message. `resolved(messages:)` undoes it.
    public func referring(to messages: [Message]) -> RunEventRecord {
        guard case .object(var object) = data else { return self }
        switch kind {
        case .toolCallCompleted:
            guard let content = object["content"]?.stringValue, let callId = object["tool_call_id"]?.stringValue,
                let message = messages.last(where: { $0.role == .tool && $0.toolCallId == callId && $0.content == content })
            else { return self }
            object["content"] = nil
            object["content_of"] = .number(Double(message.position))
        case .runCompleted:
            guard let answer = object["answer"]?.stringValue,
                let message = messages.last(where: {
                    $0.role == .assistant && $0.completedAt != nil && !$0.interrupted && $0.content == answer
                })
            else { return self }
            object["answer"] = nil
            object["answer_of"] = .number(Double(message.position))
        case .toolCallStarted, .toolCallRequested:
            guard object.count == 1, let call = object["tool_call"], let id = call["id"]?.stringValue,
                let message = messages.last(where: { $0.role == .assistant && $0.toolCalls.contains { $0.id == id && $0.json == call } })
            else { return self }
            object = ["tool_call_of": .number(Double(message.position)), "id": .string(id)]
        default:
            return self
        }
        return RunEventRecord(seq: seq, kind: kind, data: .object(object))
    }

    /// The session positions of the messages this record refers to.
    public var referredPositions: [Int] {
        ["content_of", "answer_of", "tool_call_of"].compactMap { data[$0]?.integer(in: 0...Int.max) }
    }

    /// The record as its event was sent, references resolved from the run's messages (by
    /// session position). Throws `StoreError.corrupt` when a referred message is gone.
    public func resolved(messages: [Int: Message]) throws -> RunEventRecord {
        guard case .object(var object) = data, let position = referredPositions.first else { return self }
        guard let message = messages[position] else {
            throw StoreError(code: .corrupt, message: "stored event \(seq) refers to message \(position), which is gone")
        }
        if object.removeValue(forKey: "content_of") != nil {
            object["content"] = .string(message.content)
        } else if object.removeValue(forKey: "answer_of") != nil {
            object["answer"] = .string(message.content)
        } else if object.removeValue(forKey: "tool_call_of") != nil {
            let id = object.removeValue(forKey: "id")?.stringValue
            guard let call = message.toolCalls.first(where: { $0.id == id }) else {
                throw StoreError(code: .corrupt, message: "stored event \(seq) refers to a tool call message \(position) does not hold")
            }
            object["tool_call"] = call.json
        }
        return RunEventRecord(seq: seq, kind: kind, data: .object(object))
    }

    /// The lowest event number this record holds.
    public var firstSeq: Int {
        guard kind == .runContent, case .array(let deltas)? = data["deltas"] else { return seq }
        return seq - max(deltas.count, 1) + 1
    }
}

/// How engines number a run's events so that no number is ever given twice.
///
/// Text deltas reach clients before they are stored (they are saved with the growing
/// message, a window at a time). An engine therefore never hands out a number more than
/// `unsavedLimit` above the highest one it has stored, and an engine that takes a run over
/// from a process that died starts after `resumedSeq(stored:)`: past every number the dead
/// process could have used, whatever it had not yet saved.
public enum RunEventNumbering {
    /// Most events numbered beyond the last stored one; reaching it forces a save.
    public static let unsavedLimit = 256
    /// Most bytes of deltas sent but not yet stored; reaching it forces a save.
    public static let unsavedBytes = 64 * 1024

    /// The last number to treat as used when taking over a run whose stored numbering ends at `stored`.
    public static func resumedSeq(stored: Int) -> Int { stored + unsavedLimit }
}

extension RunEventRecord {
    /// The events clients saw, from stored records `(seq, kind, data as JSON text)` in order:
    /// those numbered above `after` (and below `before`), references resolved from `messages`
    /// (the run's messages by position). A record that cannot be read is `store_corrupt`.
    public static func events(
        stored rows: [(seq: Int, kind: String, data: String)], runId: String, after: Int, before: Int?, messages: [Int: Message]
    ) throws -> [RunEvent] {
        var events: [RunEvent] = []
        for row in rows {
            guard let kind = RunEvent.Kind(rawValue: row.kind), let data = try? JSONValue.parse(row.data) else {
                throw StoreError(code: .corrupt, message: "run \(runId): stored event \(row.seq) cannot be read")
            }
            let record: RunEventRecord
            do {
                record = try RunEventRecord(seq: row.seq, kind: kind, data: data).resolved(messages: messages)
            } catch let error as StoreError {
                throw StoreError(code: error.code, message: "run \(runId): \(error.message)")
            }
            for event in record.events(runId: runId) where event.seq > after {
                if let before, event.seq >= before { return events }
                events.append(event)
            }
        }
        return events
    }
}
