import AloftCore

/// Builds a complete model response from a provider's stream events, one `data:` payload at a time.
package protocol ModelStreamAccumulator {
    /// Consumes one event's data; returns the text deltas it carried.
    mutating func consume(_ data: String) throws -> [String]
    /// The response built so far (all of it, once the stream has ended).
    func response() throws -> ModelResponse
}
