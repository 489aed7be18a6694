import Foundation

/// What starting a run writes, for any engine: the run and (for a new conversation) its
/// session, the journal's first entry with the exact context the model will see, the user's
/// message at its place in the session, and the first event. Pure: the engine reads the
/// session and its history, and commits the plan.
public struct RunStartPlan: Sendable {
    public var write: StepWrite
    public var run: Run
    /// The run's journal after the start (its one entry).
    public var journal: [JournalEntry]
    /// The events the start emits, numbered from 1.
    public var events: [RunEvent]

    /// - Parameters:
    ///   - session: the session to continue (the engine checked it is free and the agent's),
    ///     or nil to start a new one with id `newSessionId`.
    ///   - history: the session's recent messages, in order; `messageBase` is where the new ones go.
    ///   - sessionUsage: the tokens the session's runs used so far, when the agent has a session budget.
    public init(
        runId: String, request: StartRunRequest, input: String, agentVersion: String, loop: LoopConfiguration,
        session: Session?, newSessionId: String, history: [Message], messageBase: Int, sessionUsage: Usage? = nil, at now: Date
    ) {
        let agent = request.agent
        var write = StepWrite(runId: runId)
        let conversation: Session
        if let session {
            conversation = session
            write.sessionActiveRun = (session.id, runId)
        } else {
            conversation = Session(
                id: newSessionId, agent: agent.name, userId: request.userId, title: String(input.prefix(80)), activeRunId: runId,
                metadata: [:], instanceId: request.instance?.id, createdAt: now, updatedAt: now
            )
            write.newSession = conversation
        }
        let context = ConversationContext.build(
            instructions: agent.instructions, summary: conversation.summary, history: history.map(\.chatMessage), input: input
        )
        let started = JournalEntry.started(
            RunStart(
                runId: runId, sessionId: conversation.id, agent: agent.name, agentVersion: agentVersion, context: context,
                historyFrom: history.first?.position ?? messageBase,
                sessionUsage: loop.policies.maxTokensPerSession == nil ? nil : (sessionUsage ?? Usage()),
                prices: loop.policies.maxCostUSDPerRun == nil ? nil : loop.prices
            )
        )
        let events = RunEventDraft.events(for: started, after: RunState(configuration: loop, journal: [started]))
            .enumerated().map { RunEvent(runId: runId, seq: $0.offset + 1, kind: $0.element.kind, data: $0.element.data) }
        let run = Run(
            id: runId, sessionId: conversation.id, agent: agent.name, agentVersion: agentVersion, phase: .running, input: input,
            correlationId: request.correlationId, metadata: request.metadata, eventSeq: events.count, messageBase: messageBase,
            createdAt: now, updatedAt: now
        )
        write.newRun = run
        write.entries = [(1, started)]
        write.events = events
        write.messages = [
            Message(sessionId: conversation.id, runId: runId, position: messageBase, role: .user, content: input, createdAt: now, completedAt: now)
        ]
        self.write = write
        self.run = run
        self.journal = [started]
        self.events = events
    }
}
