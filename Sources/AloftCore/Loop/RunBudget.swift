/// A run's hard budgets (`policies.max_tokens_per_run`, `max_tokens_per_session`,
/// `max_cost_usd_per_run`): the model
/// call that would go over one is not made. A call is taken to need at least what the last
/// one used — it sees all the last one saw and answered — so a run stops one call early
/// rather than one call late.
public enum RunBudget {
    /// Why the next model call may not be made, or nil when it may.
    public static func refusal(before state: RunState) -> RunError? {
        let policies = state.configuration.policies
        let last = state.iterations.last?.response.usage ?? Usage()
        if let budget = policies.maxTokensPerRun {
            let used = state.usage.inputTokens + state.usage.outputTokens
            let next = last.inputTokens + last.outputTokens
            if used >= budget || used + next > budget {
                return RunError(
                    code: .budgetExceeded,
                    message: "the run used \(used) of its \(budget) tokens and the next model call would need at least \(next) more; "
                        + "it was not made. Raise policies.max_tokens_per_run or shorten the task"
                )
            }
        }
        if let budget = policies.maxTokensPerSession {
            let before = state.start?.sessionUsage ?? Usage()
            let used = before.inputTokens + before.outputTokens + state.usage.inputTokens + state.usage.outputTokens
            let next = last.inputTokens + last.outputTokens
            if used >= budget || used + next > budget {
                return RunError(
                    code: .budgetExceeded,
                    message: "the session used \(used) of its \(budget) tokens"
                        + (state.iterations.isEmpty ? "; no model call was made. " : " and the next model call would need at least \(next) more; it was not made. ")
                        + "Raise policies.max_tokens_per_session, or start a new session"
                )
            }
        }
        if let budget = policies.maxCostUSDPerRun, let prices = state.start?.prices ?? state.configuration.prices {
            let spent = prices.cost(of: state.usage)
            let next = prices.cost(of: last)
            if spent >= budget || spent + next > budget {
                return RunError(
                    code: .budgetExceeded,
                    message: "the run spent $\(dollars(spent)) of its $\(dollars(budget)) and the next model call would cost at least $\(dollars(next)) more; "
                        + "it was not made. Raise policies.max_cost_usd_per_run or shorten the task"
                )
            }
        }
        return nil
    }

    /// Dollars to the cent's hundredth (model calls cost fractions of a cent).
    static func dollars(_ value: Double) -> String {
        let hundredths = (value * 10_000).rounded()
        let whole = Int(hundredths) / 10_000
        let fraction = Int(hundredths) % 10_000
        return "\(whole)." + String(repeating: "0", count: 4 - String(fraction).count) + String(fraction)
    }
}
