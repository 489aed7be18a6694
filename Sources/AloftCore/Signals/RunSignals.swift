/// Commands for a run turned into the journal entries that record them, for any engine.
public enum RunSignals {
    /// The entries recording `commands` (in order) on a run in `state`: a stop once, a decision
    /// only for a call still waiting and not decided earlier in the same batch, a passed
    /// deadline only for the calls still waiting. Commands that no longer apply give nothing.
    public static func entries(for commands: [RunCommand], in state: RunState) -> [JournalEntry] {
        let awaiting = Set(AgentLoop.callsAwaitingApproval(state).map(\.id))
        var decided = Set<String>()
        var entries: [JournalEntry] = []
        var cancelRecorded = state.cancelRequested
        for command in commands {
            switch command {
            case .cancel(let reason):
                if !cancelRecorded {
                    entries.append(.cancelRequested(reason: reason))
                    cancelRecorded = true
                }
            case .resolveApproval(let decision):
                if awaiting.contains(decision.callId), decided.insert(decision.callId).inserted {
                    entries.append(.approvalResolved(decision))
                }
            case .approvalDeadlinePassed(let callIds):
                let due = callIds.filter { awaiting.contains($0) && decided.insert($0).inserted }
                if !due.isEmpty { entries.append(.approvalTimedOut(callIds: due)) }
            case .drive:
                break
            }
        }
        return entries
    }
}
