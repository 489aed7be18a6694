import AloftCore

/// Reads `GenerateContentResponse` objects: the one answer of `generateContent`, or each event
/// of `streamGenerateContent` (text parts are pieces of the answer; function calls come whole;
/// usage is the total so far). Thought summaries are not part of the answer; thought
/// signatures are kept with their call, or with the text. A blocked prompt, or an answer
/// stopped for safety, is a `content_filtered` error; a stream without a finish reason is
/// incomplete.
package struct GeminiResponseReader: ModelStreamAccumulator {
    /// Most function calls one answer may carry.
    static let maxCalls = 128

    /// Finish reasons that mean a filter stopped the answer.
    static let filteredReasons: Set<String> = [
        "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT",
        "IMAGE_RECITATION", "MODEL_ARMOR",
    ]
    /// Finish reasons of a malformed answer that a retry may get right.
    static let malformedReasons: Set<String> = ["MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL", "MALFORMED_RESPONSE", "TOO_MANY_TOOL_CALLS"]

    let firstCallNumber: Int
    let streamed: Bool
    private var text = ""
    private var textSignature: String?
    private var calls: [ToolCall] = []
    private var usage = Usage()
    private var finishReason: String?

    package init(firstCallNumber: Int, streamed: Bool) {
        self.firstCallNumber = firstCallNumber
        self.streamed = streamed
    }

    package mutating func consume(_ data: String) throws -> [String] {
        guard let value = try? JSONValue.parse(data), case .object = value else {
            throw ModelError(code: .invalidResponse, message: "not a Gemini response: \(data.prefix(200))")
        }
        if let error = value["error"], error != .null {
            // An error in the stream, in the shape of an HTTP error's body.
            let status = error["code"]?.integer(in: 100...599) ?? 500
            throw ModelError.http(status: status, body: value.jsonText(), retryAfter: nil)
        }
        if let reason = value["promptFeedback"]?["blockReason"]?.stringValue {
            let said = value["promptFeedback"]?["blockReasonMessage"]?.stringValue.map { ": \($0.prefix(300))" } ?? ""
            let categories = Self.blockedCategories(value["promptFeedback"]?["safetyRatings"])
            throw ModelError(
                code: .contentFiltered,
                message: "the provider's safety filter blocked the prompt (\(reason)\(categories.isEmpty ? "" : ": \(categories)"))\(said); rephrase the request, or change the safety settings"
            )
        }
        if let metadata = value["usageMetadata"], metadata != .null {
            // Thinking is billed as output; tool-use prompt tokens as input.
            usage = Usage(
                inputTokens: try Usage.count(metadata["promptTokenCount"], field: "promptTokenCount")
                    + (try Usage.count(metadata["toolUsePromptTokenCount"], field: "toolUsePromptTokenCount")),
                outputTokens: try Usage.count(metadata["candidatesTokenCount"], field: "candidatesTokenCount")
                    + (try Usage.count(metadata["thoughtsTokenCount"], field: "thoughtsTokenCount"))
            )
        }
        guard let candidates = value["candidates"], candidates != .null else { return [] }
        guard case .array(let list) = candidates else { throw ModelError(code: .invalidResponse, message: "candidates is not a list") }
        guard let candidate = list.first else { return [] }
        var deltas: [String] = []
        if let content = candidate["content"], content != .null, let parts = content["parts"], parts != .null {
            guard case .array(let parts) = parts else { throw ModelError(code: .invalidResponse, message: "content.parts is not a list") }
            for part in parts {
                guard case .object = part else { throw ModelError(code: .invalidResponse, message: "a content part is not an object") }
                let signature = part["thoughtSignature"]?.stringValue
                if let call = part["functionCall"], call != .null {
                    guard calls.count < Self.maxCalls else {
                        throw ModelError(code: .invalidResponse, message: "the answer has more than \(Self.maxCalls) function calls")
                    }
                    guard let name = call["name"]?.stringValue, !name.isEmpty else {
                        throw ModelError(code: .invalidResponse, message: "a functionCall has no name")
                    }
                    let args = call["args"] ?? [:]
                    guard args == .null || args.objectValue != nil else {
                        throw ModelError(code: .invalidResponse, message: "the args of functionCall \(name.prefix(100)) are not an object")
                    }
                    let id = call["id"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
                        ?? "\(GeminiProvider.syntheticCallPrefix)\(firstCallNumber + calls.count)"
                    calls.append(ToolCall(id: id, name: name, arguments: (args == .null ? [:] : args).jsonText(), signature: signature))
                    continue
                }
                if part["thought"] == .bool(true) { continue }
                if let piece = part["text"]?.stringValue {
                    text += piece
                    if !piece.isEmpty { deltas.append(piece) }
                }
                if let signature { textSignature = signature }
            }
        }
        if let reason = candidate["finishReason"]?.stringValue, reason != "FINISH_REASON_UNSPECIFIED" {
            finishReason = reason
            try Self.check(finish: reason, candidate: candidate, hasContent: !text.isEmpty || !calls.isEmpty)
        }
        return deltas
    }

    /// Turns a finish reason that is not an answer into the error a person can act on.
    static func check(finish reason: String, candidate: JSONValue, hasContent: Bool) throws {
        let said = candidate["finishMessage"]?.stringValue.map { ": \($0.prefix(300))" } ?? ""
        if filteredReasons.contains(reason) {
            let categories = blockedCategories(candidate["safetyRatings"])
            throw ModelError(
                code: .contentFiltered,
                message: "the provider's safety filter stopped the answer (\(reason)\(categories.isEmpty ? "" : ": \(categories)"))\(said); rephrase the request, or change the safety settings"
            )
        }
        if malformedReasons.contains(reason) {
            throw ModelError(code: .invalidResponse, message: "the model's answer was malformed (\(reason))\(said)")
        }
        if reason == "MISSING_THOUGHT_SIGNATURE" {
            throw ModelError(code: .badRequest, message: "Gemini wants a thought signature that the conversation lacks (MISSING_THOUGHT_SIGNATURE)\(said)")
        }
        if reason == "MAX_TOKENS", !hasContent {
            throw ModelError(code: .badRequest, message: "the model used all of its output tokens before answering (MAX_TOKENS); raise model.max_tokens")
        }
    }

    /// The categories a safety rating list says were blocked (or rated high):
    /// `HARM_CATEGORY_HATE_SPEECH: HIGH`.
    static func blockedCategories(_ ratings: JSONValue?) -> String {
        guard case .array(let ratings)? = ratings else { return "" }
        return ratings.compactMap { rating -> String? in
            guard let category = rating["category"]?.stringValue else { return nil }
            let probability = rating["probability"]?.stringValue ?? ""
            guard rating["blocked"] == .bool(true) || probability == "HIGH" else { return nil }
            return probability.isEmpty ? String(category.prefix(80)) : "\(category.prefix(80)): \(probability.prefix(20))"
        }.joined(separator: ", ")
    }

    package func response() throws -> ModelResponse {
        if streamed, finishReason == nil {
            throw ModelError(code: .invalidResponse, message: "the answer stream ended before it was complete (no finishReason)")
        }
        if !streamed, finishReason == nil, text.isEmpty, calls.isEmpty {
            throw ModelError(code: .invalidResponse, message: "the Gemini response has no candidate")
        }
        return ModelResponse(text: text, toolCalls: calls, usage: usage, signature: textSignature)
    }
}
