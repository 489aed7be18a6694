/// Everything one step of one run changes, written in one transaction: journal entries and
/// the read models they affect. Steps of many runs share a commit (group commit).
public struct StepWrite: Sendable {
    public var runId: String
    /// New journal entries with their sequence numbers (1-based, contiguous per run).
    public var entries: [(seq: Int, entry: JournalEntry)] = []
    public var agentVersion: (version: String, definition: AgentDefinition)?
    public var newSession: Session?
    public var newRun: Run?
    /// The run's read model after this step.
    public var run: Run?
    /// Messages to insert or replace (by session and position).
    public var messages: [Message] = []
    /// Mark this run's unfinished messages interrupted (after a crash or a stop).
    public var interruptOpenMessages = false
    public var addApprovals: [PendingApproval] = []
    /// Remove pending approvals of these calls; `removeAllApprovals` removes all of the run's.
    public var removeApprovals: [String] = []
    public var removeAllApprovals = false
    public var addTimers: [DurableTimer] = []
    /// Remove these timers; `removeAllTimers` removes all of the run's.
    public var removeTimers: [String] = []
    public var removeAllTimers = false
    /// Claim the session for `runId`, or (nil) give up this run's claim. A session has one
    /// active run: a store refuses a claim on a session another run holds with
    /// `StoreError.conflict` — in the step's own transaction, so it holds across processes —
    /// and a run gives up only its own claim.
    public var sessionActiveRun: (sessionId: String, runId: String?)?
    /// Events this step emits (numbered), stored in the run's event log; text deltas already
    /// sent live are stored here too, with the save that carries their message.
    public var events: [RunEvent] = []
    /// The run's highest event number after this step, for a step that does not rewrite the
    /// run row (`run`), such as saving a streamed answer.
    public var eventSeq: Int?
    /// Inbox commands this step has taken into account.
    public var consumedCommands: [Int64] = []
    /// Commands this step queues for the run, in its inbox (a start recorded by a process that
    /// does not execute runs asks the one that does to drive it, in the same transaction).
    public var queuedCommands: [RunCommand] = []

    public init(runId: String) {
        self.runId = runId
    }
}
