import AloftCore

/// Builds a complete response from Chat Completions stream chunks: text deltas, tool calls
/// whose id, name and arguments arrive in pieces by index, and the final usage chunk.
/// A stream is complete only with `[DONE]` or a `finish_reason`; one that just stops is
/// malformed (a dropped connection must not pass for a short answer).
package struct OpenAIStreamAccumulator: ModelStreamAccumulator {
    package init() {}

    /// Most parallel tool calls one answer may carry; a higher `index` is malformed.
    static let maxToolCalls = 128

    private var text = ""
    private var calls: [Int: (id: String, name: String, arguments: String)] = [:]
    private var usage = Usage()
    private var done = false
    private var finished = false

    /// Consumes one `data:` payload; returns the text deltas it carried.
    package mutating func consume(_ data: String) throws -> [String] {
        if data == "[DONE]" {
            done = true
            return []
        }
        guard let chunk = try? JSONValue.parse(data), case .object = chunk else {
            throw ModelError(code: .invalidResponse, message: "unreadable stream chunk: \(data.prefix(200))")
        }
        if let error = chunk["error"], error != .null {
            throw ModelError(code: .serverError, message: error["message"]?.stringValue ?? "error in stream")
        }
        if let usageValue = chunk["usage"], usageValue != .null {
            usage = try OpenAIChatProvider.usage(usageValue)
        }
        var deltas: [String] = []
        guard case .array(let choices) = chunk["choices"] else { return deltas }
        for choice in choices {
            if let reason = choice["finish_reason"], reason != .null {
                finished = true
                if reason == "content_filter" { throw ContentFilterReport.stoppedAnswer(choice["content_filter_results"]) }
            }
            guard let delta = choice["delta"] else { continue }
            if let content = delta["content"]?.stringValue, !content.isEmpty {
                text += content
                deltas.append(content)
            }
            if case .array(let toolCalls) = delta["tool_calls"] {
                for call in toolCalls {
                    let index: Int
                    if let given = call["index"] {
                        guard let value = given.integer(in: 0...(Self.maxToolCalls - 1)) else {
                            throw ModelError(code: .invalidResponse, message: "a tool call's index is not a number from 0 to \(Self.maxToolCalls - 1)")
                        }
                        index = value
                    } else {
                        index = calls.count
                    }
                    guard calls[index] != nil || calls.count < Self.maxToolCalls else {
                        throw ModelError(code: .invalidResponse, message: "the answer has more than \(Self.maxToolCalls) tool calls")
                    }
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

    package func response() throws -> ModelResponse {
        guard done || finished else {
            throw ModelError(code: .invalidResponse, message: "the answer stream ended before it was complete (no finish_reason or [DONE])")
        }
        let toolCalls = calls.keys.sorted().compactMap { index -> ToolCall? in
            guard let call = calls[index] else { return nil }
            return ToolCall(id: call.id.isEmpty ? "call_\(index + 1)" : call.id, name: call.name, arguments: call.arguments)
        }
        return ModelResponse(text: text, toolCalls: toolCalls, usage: usage)
    }
}
