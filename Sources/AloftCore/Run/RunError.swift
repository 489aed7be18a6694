/// Why a run failed, with a stable code users can match on.
public struct RunError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// A stable, machine-readable reason.
    public struct Code: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(String.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }

        /// The run reached `policies.max_iterations` model calls without a final answer.
        public static let maxIterationsExceeded = Code(rawValue: "max_iterations_exceeded")
        /// The next model call would have gone over `policies.max_tokens_per_run`: it was not made.
        public static let budgetExceeded = Code(rawValue: "budget_exceeded")
        /// The model call failed after its retries.
        public static let modelFailed = Code(rawValue: "model_failed")
        /// The model call took longer than `policies.model_timeout_seconds`.
        public static let modelTimeout = Code(rawValue: "model_timeout")
        /// The provider's content filter refused the prompt or stopped the answer.
        public static let contentFiltered = Code(rawValue: "content_filtered")
        /// The journal could not be interpreted (a bug, or a database edited by hand).
        public static let invalidJournal = Code(rawValue: "invalid_journal")
        /// A run could not start: its agent or input is unusable.
        public static let invalidRun = Code(rawValue: "invalid_run")
        /// The engine process died again and again while driving the run, without getting any
        /// further: the run is stopped so that it cannot take the server down at every start.
        public static let crashLoop = Code(rawValue: "run_crash_loop")
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
