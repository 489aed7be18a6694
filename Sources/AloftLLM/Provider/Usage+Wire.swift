import AloftCore

extension Usage {
    /// Most tokens one call may report; more is a malformed response, not a number to trust.
    static let maxReportedTokens = 1 << 40

    /// Token counts from a provider's usage object. A missing count is 0; a count that is not
    /// a whole number from 0 to `maxReportedTokens` (`1e300`, `-1`, `"9"`) makes the response malformed.
    static func read(_ value: JSONValue?, input: String, output: String) throws -> Usage {
        Usage(inputTokens: try count(value?[input], field: input), outputTokens: try count(value?[output], field: output))
    }

    static func count(_ value: JSONValue?, field: String) throws -> Int {
        guard let value, value != .null else { return 0 }
        guard let count = value.integer(in: 0...maxReportedTokens) else {
            throw ModelError(code: .invalidResponse, message: "usage.\(field) is not a token count: \(value.jsonText().prefix(40))")
        }
        return count
    }
}
