import AloftCore

/// Builds a complete response from Messages stream events: `message_start` (input usage),
/// `content_block_start/delta/stop` (text and `tool_use` with `input_json_delta`),
/// `message_delta` (output usage), `error`. Complete only at `message_stop`: a stream that
/// just stops is malformed.
package struct AnthropicStreamAccumulator: ModelStreamAccumulator {
    package init() {}

    /// Most content blocks one answer may carry; a higher `index` is malformed.
    static let maxBlocks = 128

    private var blocks: [Int: (type: String, text: String, id: String, name: String, json: String)] = [:]
    private var usage = Usage()
    private var stopped = false

    package mutating func consume(_ data: String) throws -> [String] {
        try consumeEvent(data).map { [$0] } ?? []
    }

    /// Consumes one event's data; returns its text delta, if any.
    private mutating func consumeEvent(_ data: String) throws -> String? {
        guard let event = try? JSONValue.parse(data), case .object = event else {
            throw ModelError(code: .invalidResponse, message: "unreadable stream event: \(data.prefix(200))")
        }
        switch event["type"]?.stringValue {
        case "message_start":
            usage = try AnthropicProvider.usage(event["message"]?["usage"])
        case "content_block_start":
            let index = try Self.index(event)
            let block = event["content_block"]
            blocks[index] = (
                block?["type"]?.stringValue ?? "text", block?["text"]?.stringValue ?? "", block?["id"]?.stringValue ?? "",
                block?["name"]?.stringValue ?? "", ""
            )
        case "content_block_delta":
            let index = try Self.index(event)
            var block = blocks[index] ?? ("text", "", "", "", "")
            defer { blocks[index] = block }
            switch event["delta"]?["type"]?.stringValue {
            case "text_delta":
                let text = event["delta"]?["text"]?.stringValue ?? ""
                block.text += text
                return text.isEmpty ? nil : text
            case "input_json_delta":
                block.json += event["delta"]?["partial_json"]?.stringValue ?? ""
            default: break
            }
        case "message_delta":
            // Cumulative counts; some servers (LiteLLM) send the input count here, not in `message_start`.
            if let output = event["usage"]?["output_tokens"], output != .null {
                usage.outputTokens = try Usage.count(output, field: "output_tokens")
            }
            if let input = event["usage"]?["input_tokens"], input != .null {
                usage.inputTokens = max(usage.inputTokens, try Usage.count(input, field: "input_tokens"))
            }
        case "message_stop":
            stopped = true
        case "error":
            let type = event["error"]?["type"]?.stringValue ?? "error"
            let message = event["error"]?["message"]?.stringValue ?? "error in stream"
            throw ModelError(code: type == "overloaded_error" || type == "api_error" ? .serverError : .badRequest, message: message)
        default: break
        }
        return nil
    }

    /// A block's `index`: a whole number below `maxBlocks`, else the stream is malformed.
    private static func index(_ event: JSONValue) throws -> Int {
        guard let given = event["index"] else { return 0 }
        guard let index = given.integer(in: 0...(maxBlocks - 1)) else {
            throw ModelError(code: .invalidResponse, message: "a content block's index is not a number from 0 to \(maxBlocks - 1)")
        }
        return index
    }

    package func response() throws -> ModelResponse {
        guard stopped else {
            throw ModelError(code: .invalidResponse, message: "the answer stream ended before it was complete (no message_stop)")
        }
        var text = ""
        var calls: [ToolCall] = []
        for index in blocks.keys.sorted() {
            guard let block = blocks[index] else { continue }
            if block.type == "tool_use" {
                calls.append(ToolCall(id: block.id, name: block.name, arguments: block.json.isEmpty ? "{}" : block.json))
            } else {
                text += block.text
            }
        }
        return ModelResponse(text: text, toolCalls: calls, usage: usage)
    }
}
