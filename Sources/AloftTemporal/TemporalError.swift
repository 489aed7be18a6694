/// An error of the Temporal engine, with a stable code users can match on.
public struct TemporalError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public var description: String { rawValue }

        /// The Temporal address or namespace given cannot be used.
        public static let badAddress = Code(rawValue: "temporal_bad_address")
        /// The Temporal frontend cannot be reached or does not answer.
        public static let unavailable = Code(rawValue: "temporal_unavailable")
        /// The frontend refused a call (a status other than unavailable).
        public static let refused = Code(rawValue: "temporal_refused")
        /// A payload is not the JSON Aloft expects (written by something else, or damaged).
        public static let badPayload = Code(rawValue: "temporal_bad_payload")
        /// A workflow's history does not describe a run Aloft can continue.
        public static let badHistory = Code(rawValue: "temporal_bad_history")
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
