import AloftTemporalAPI

/// How an activity's attempts are counted against the agent's retry policy: only attempts
/// that failed count, not those a lost worker took with it.
///
/// Temporal counts every attempt, a worker killed mid-call included; the embedded engine
/// redoes such a call without counting it. So an activity is scheduled with `lostWorkers`
/// more attempts than the policy allows, the policy's number rides in a header, and the
/// failures so far travel from attempt to attempt in the heartbeat details (a lost attempt's
/// last heartbeat carries them; a failure reports them raised by one). The attempt whose
/// failure uses the policy up is reported as not retryable.
public struct ActivityAttempts: Sendable, Hashable, Codable {
    /// Failed attempts so far.
    public var failures: Int

    /// The header naming the policy's number of attempts.
    public static let headerKey = "aloft-max-attempts"
    /// Attempts lost with their worker that do not count against the policy.
    public static let lostWorkers = 5

    /// The failures before `task`'s attempt.
    static func before(_ task: ActivityTask) -> ActivityAttempts {
        (try? TemporalPayload.decode(ActivityAttempts.self, from: task.heartbeatDetails)) ?? ActivityAttempts(failures: 0)
    }

    /// The attempts the agent's policy allows for `task`, if its schedule said.
    static func allowed(_ task: ActivityTask) -> Int? {
        task.header.fields[headerKey].flatMap { try? TemporalPayload.decode(Int.self, from: $0) }
    }
}
