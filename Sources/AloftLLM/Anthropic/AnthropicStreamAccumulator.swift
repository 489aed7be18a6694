import AloftCore

/// Builds a complete response from Messages stream events: `message_start` (input usage),
/// `content_block_start/delta/stop` (text and `tool_use` with `input_json_delta`),
/// `message_delta` (output usage), `error`.
struct AnthropicStreamAccumulator: ModelStreamAccumulator {
    private var blocks: [Int: (type: String, text: String, id: String, name: String, json: String)] = [:]
    private var usage = Usage()

    mutating func consume(_ data: String) throws -> [String] {
        try consumeEvent(data).map { [$0] } ?? []
    }

    /// Consumes one event's data; returns its text delta, if any.
    private mutating func consumeEvent(_ data: String) throws -> String? {
        guard let event = try? JSONValue.parse(data) else {
            throw ModelError(code: .invalidResponse, message: "unreadable stream event: \(data.prefix(200))")
        }
        switch event["type"]?.stringValue {
        case "message_start":
            usage.inputTokens = Int(event["message"]?["usage"]?["input_tokens"]?.numberValue ?? 0)
            usage.outputTokens = Int(event["message"]?["usage"]?["output_tokens"]?.numberValue ?? 0)
        case "content_block_start":
            let index = Int(event["index"]?.numberValue ?? 0)
            let block = event["content_block"]
            blocks[index] = (
                block?["type"]?.stringValue ?? "text", block?["text"]?.stringValue ?? "", block?["id"]?.stringValue ?? "",
                block?["name"]?.stringValue ?? "", ""
            )
        case "content_block_delta":
            let index = Int(event["index"]?.numberValue ?? 0)
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
            if let output = event["usage"]?["output_tokens"]?.numberValue { usage.outputTokens = Int(output) }
        case "error":
            let type = event["error"]?["type"]?.stringValue ?? "error"
            let message = event["error"]?["message"]?.stringValue ?? "error in stream"
            throw ModelError(code: type == "overloaded_error" || type == "api_error" ? .serverError : .badRequest, message: message)
        default: break
        }
        return nil
    }

    func response() throws -> ModelResponse {
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
