/// An error of a store, with a stable code.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public var description: String { rawValue }

        /// The database could not be opened or migrated.
        public static let unavailable = Code(rawValue: "store_unavailable")
        /// A stored value could not be decoded (corruption, or a newer Aloft wrote it).
        public static let corrupt = Code(rawValue: "store_corrupt")
        /// The write conflicts with what is stored (a journal sequence number already used).
        public static let conflict = Code(rawValue: "store_conflict")
        /// No such record.
        public static let notFound = Code(rawValue: "not_found")
    }

    public var code: Code
    public var message: String
    public var cause: (any Error)?

    public init(code: Code, message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { "\(code): \(message)" }
}
