

/// Where a run's messages go in its session, derived from the journal: the user message at
/// the run's base, then each iteration's assistant message followed by its tool results.
/// Deterministic, so a step redone after a crash overwrites its own partial message.
public enum MessagePositions {
    /// Position of the assistant message of iteration `step` (1-based).
    public static func assistant(step: Int, in state: RunState, base: Int) -> Int {
        state.iterations.prefix(step - 1).reduce(base + 1) { $0 + 1 + $1.response.toolCalls.count }
    }

    /// Position of the result of a tool call.
    public static func tool(callId: String, in state: RunState, base: Int) -> Int? {
        for (index, iteration) in state.iterations.enumerated() {
            if let offset = iteration.response.toolCalls.firstIndex(where: { $0.id == callId }) {
                return assistant(step: index + 1, in: state, base: base) + 1 + offset
            }
        }
        return nil
    }
}
