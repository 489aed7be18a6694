public import AloftCore

/// A tool call that failed; its message is reported to the model as the call's result.
public struct ToolError: Error, Sendable, Hashable, CustomStringConvertible, RetryableFailure {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public var description: String { rawValue }

        /// The arguments were not acceptable (beyond what the schema checks).
        public static let invalidArguments = Code(rawValue: "invalid_arguments")
        /// The call is not allowed by the agent's configuration (host not allowed, write attempted).
        public static let notAllowed = Code(rawValue: "not_allowed")
        /// A remote service failed or could not be reached.
        public static let unavailable = Code(rawValue: "unavailable")
        /// The tool ran and failed.
        public static let failed = Code(rawValue: "failed")
        /// The tool took longer than `policies.tool_timeout_seconds`.
        public static let timeout = Code(rawValue: "timeout")
    }

    public var code: Code
    public var message: String
    public var isRetryable: Bool
    public var retryAfterSeconds: Double?

    public init(code: Code, message: String, isRetryable: Bool = false, retryAfterSeconds: Double? = nil) {
        self.code = code
        self.message = message
        self.isRetryable = isRetryable
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(code): \(message)" }
}

/// An agent file's tool configuration that cannot work, naming the tool and the problem.
public struct ToolConfigurationError: Error, Sendable, CustomStringConvertible {
    public var problems: [String]

    public init(problems: [String]) {
        self.problems = problems
    }

    public var description: String { problems.joined(separator: "\n") }
}
