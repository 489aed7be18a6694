public import AloftCore

/// A chat model with tool calls. Implementations speak one wire format over real HTTP
/// (OpenAI Chat Completions, Anthropic Messages), or replay a script.
public protocol ModelProvider: Sendable {
    /// Asks for one answer, calling `onDelta` with each piece of text as it arrives, and
    /// returns the complete response; throws a `ModelError`. Cancelling the calling task
    /// cancels the request in flight.
    func respond(to request: ModelRequest, onDelta: (String) async throws -> Void) async throws -> ModelResponse
}

extension ModelProvider {
    /// The complete answer, ignoring the deltas.
    public func complete(_ request: ModelRequest) async throws -> ModelResponse {
        try await respond(to: request) { _ in }
    }
}
