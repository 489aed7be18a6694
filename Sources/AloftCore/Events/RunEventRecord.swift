/// A run event as its event log stores it.
///
/// Text deltas are what a run emits most, so consecutive deltas of one model attempt (with
/// consecutive numbers) are stored as one record: `seq` is the last delta's number, the
/// deltas took the numbers just before it, and `data` holds `step`, `attempt` and the
/// `deltas` in order. A streamed answer costs one row per save window, not one per token,
/// and reading expands the record back into the very events clients saw, with their numbers —
/// so a client that reconnects in the middle of a window gets only the deltas it missed.
/// Every other event is stored as it is.
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
