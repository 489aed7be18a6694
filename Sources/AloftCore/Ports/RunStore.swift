import Foundation

/// Where an engine records runs: each step (journal entries, the read models they change and
/// the events they emit) in one transaction, plus sessions and deletions.
public protocol RunStore: RunReader {
    /// Commits one step durably before returning. A journal number already used for the run
    /// is a `StoreError` with code `conflict`, and nothing of the step is written.
    func commit(_ write: StepWrite) async throws
    /// Takes the run's next `count` event numbers for the caller alone (a process that
    /// numbers events while another may record steps of the same run: a Temporal activity
    /// streaming deltas). A step committed later never lowers the run's counter below them.
    /// `StoreError` `not_found` when there is no such run.
    func reserveEventNumbers(runId: String, count: Int) async throws -> ClosedRange<Int>
    /// Commits a step of an existing run as `commit` does, its events numbered by the store,
    /// in order, after every number the run gave so far (its `seq`s are ignored), and the
    /// run's counter moved past them; returns the numbers (nil when it has no events). For a
    /// process that records steps of a run whose deltas another process may be numbering.
    func commitNumberingEvents(_ write: StepWrite) async throws -> ClosedRange<Int>?
    /// Creates an empty session.
    func insert(_ session: Session) async throws
    /// The position the next message of a session takes.
    func nextMessagePosition(sessionId: String) async throws -> Int
    /// Deletes a finished run with everything of its own; false when there is no such run.
    func deleteRun(id: String) async throws -> Bool
    /// Deletes a session with its runs; false when there is no such session.
    func deleteSession(id: String) async throws -> Bool
}

extension RunStore {
    /// Numbers reserved first, then the step committed: two calls, for stores where a round
    /// trip is cheap.
    public func commitNumberingEvents(_ write: StepWrite) async throws -> ClosedRange<Int>? {
        var write = write
        guard !write.events.isEmpty else {
            try await commit(write)
            return nil
        }
        let numbers = try await reserveEventNumbers(runId: write.runId, count: write.events.count)
        write.events = zip(numbers, write.events).map { RunEvent(runId: $1.runId, seq: $0, kind: $1.kind, data: $1.data) }
        if let run = write.run { write.run?.eventSeq = max(run.eventSeq, numbers.upperBound) }
        write.eventSeq = write.eventSeq.map { max($0, numbers.upperBound) }
        try await commit(write)
        return numbers
    }
}

/// What the local engine needs beyond `RunStore`: the inbox of commands from other
/// processes, durable timers, the runs to resume at start, and the instances whose settings
/// a session's runs use.
public protocol LocalEngineStore: RunStore, RunPruner, InstanceStore {
    /// Files of the store that no agent may read (its database and journals), if any.
    var files: [String] { get }
    /// Runs that are not finished, oldest first.
    func unfinishedRuns() async throws -> [Run]
    /// Counts one more start that found each unfinished (not waiting) run created before
    /// `createdBefore`, and returns the counts (a recorded step resets a run's count).
    func countResumes(createdBefore: Date) async throws -> [String: Int]
    /// Queues a command for the engine that owns the run.
    func enqueue(_ command: RunCommand, runId: String) async throws
    /// Commands waiting in the inbox, oldest first.
    func queuedCommands(limit: Int) async throws -> [QueuedRunCommand]
    /// Deletes commands that can never be carried out.
    func discardCommands(ids: [Int64]) async throws
    /// Timers due at `time` (seconds since 1970).
    func dueTimers(at time: Double) async throws -> [DurableTimer]
}
