/// An error of the engine's API, with a stable code users can match on and a message that
/// says what to do.
public struct EngineError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public var description: String { rawValue }

        /// The agent definition is unusable; the message lists every problem.
        public static let invalidAgent = Code(rawValue: "invalid_agent")
        /// The input is empty or too large.
        public static let invalidInput = Code(rawValue: "invalid_input")
        public static let sessionNotFound = Code(rawValue: "session_not_found")
        /// The session already has a run in progress.
        public static let sessionBusy = Code(rawValue: "session_busy")
        /// The session belongs to another agent.
        public static let sessionAgentMismatch = Code(rawValue: "session_agent_mismatch")
        public static let runNotFound = Code(rawValue: "run_not_found")
        /// The run has ended and cannot change.
        public static let runFinished = Code(rawValue: "run_finished")
        /// The run is still under way (pending, running or waiting for approval).
        public static let runNotFinished = Code(rawValue: "run_not_finished")
        /// The tool call named is not waiting for approval.
        public static let notAwaitingApproval = Code(rawValue: "not_awaiting_approval")
        /// The call's approval deadline has passed: it counts as denied, whatever is decided now.
        public static let approvalDeadlinePassed = Code(rawValue: "approval_deadline_passed")
        /// Another process runs the engine on this store.
        public static let storeBusy = Code(rawValue: "store_busy")
        /// Only an external runner reports a run's status; Aloft carries this run out.
        public static let notExternal = Code(rawValue: "not_external")
        /// An external runner's report cannot apply (a finished run, a phase going back, …).
        public static let invalidReport = Code(rawValue: "invalid_report")
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
