import AloftCore

/// Builds a complete response from Chat Completions stream chunks: text deltas, tool calls
/// whose id, name and arguments arrive in pieces by index, and the final usage chunk.
struct OpenAIStreamAccumulator: ModelStreamAccumulator {
    private var text = ""
    private var calls: [Int: (id: String, name: String, arguments: String)] = [:]
    private var usage = Usage()
    private var done = false

    /// Consumes one `data:` payload; returns the text deltas it carried.
    mutating func consume(_ data: String) throws -> [String] {
        if data == "[DONE]" {
            done = true
            return []
        }
        guard let chunk = try? JSONValue.parse(data) else {
            throw ModelError(code: .invalidResponse, message: "unreadable stream chunk: \(data.prefix(200))")
        }
        if let error = chunk["error"] {
            throw ModelError(code: .serverError, message: error["message"]?.stringValue ?? "error in stream")
        }
        if let usageValue = chunk["usage"], usageValue != .null {
            usage = OpenAIChatProvider.usage(usageValue)
        }
        var deltas: [String] = []
        guard case .array(let choices) = chunk["choices"] else { return deltas }
        for choice in choices {
            guard let delta = choice["delta"] else { continue }
            if let content = delta["content"]?.stringValue, !content.isEmpty {
                text += content
                deltas.append(content)
            }
            if case .array(let toolCalls) = delta["tool_calls"] {
                for call in toolCalls {
                    let index = Int(call["index"]?.numberValue ?? Double(calls.count))
                    var current = calls[index] ?? ("", "", "")
                    if let id = call["id"]?.stringValue { current.id = id }
                    if let name = call["function"]?["name"]?.stringValue { current.name += name }
                    if let arguments = call["function"]?["arguments"]?.stringValue { current.arguments += arguments }
                    calls[index] = current
                }
            }
        }
        return deltas
    }

    func response() throws -> ModelResponse {
        let toolCalls = calls.keys.sorted().compactMap { index -> ToolCall? in
            guard let call = calls[index] else { return nil }
            return ToolCall(id: call.id.isEmpty ? "call_\(index + 1)" : call.id, name: call.name, arguments: call.arguments)
        }
        return ModelResponse(text: text, toolCalls: toolCalls, usage: usage)
    }
}
