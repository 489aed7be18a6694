import Foundation

/// The form stores keep journal entries in. What the rest of a run's rows already hold is
/// referred to, not copied:
///
/// - a start entry built from the session (`RunStart.historyFrom`) names the position its
///   history begins at; instructions come from the agent version, the summary from the
///   session, the history from the session's messages, the input from the run;
/// - a model response or a tool result written with its message names that message;
/// - a completed run whose answer is the text of a model response names that step.
///
/// So a model step adds the same bytes to the journal at turn 50 of a session as at turn 1.
/// An entry that cannot refer (no such message in its step, a context given whole) is kept
/// whole, in the readable form of `JournalEntry`'s `Codable`; both forms read back alike.
public enum CompactJournal {
    /// The stored texts of `entries`, written in one step together with `messages`.
    public static func encode(_ entries: [JournalEntry], messages: [Message]) throws -> [String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        var texts: [String] = []
        texts.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() {
            if let reference = reference(for: entry, before: entries[..<index], messages: messages) {
                texts.append(reference.jsonText())
            } else {
                texts.append(String(decoding: try encoder.encode(entry), as: UTF8.self))
            }
        }
        return texts
    }

    private static func reference(for entry: JournalEntry, before: ArraySlice<JournalEntry>, messages: [Message]) -> JSONValue? {
        switch entry {
        case .started(let start):
            guard let from = start.historyFrom else { return nil }
            var reference: [String: JSONValue] = ["type": "started", "history_from": .number(Double(from))]
            if let prices = start.prices {
                reference["prices"] = ["input": .number(prices.inputPerMillion), "output": .number(prices.outputPerMillion)]
            }
            if let usage = start.sessionUsage {
                reference["session_usage"] = usage.referenceJSON
            }
            return .object(reference)
        case .modelResponded(let step, let response):
            // The message table keeps no text signature: such an answer is journalled whole.
            guard response.signature == nil,
                let message = messages.last(where: {
                    $0.role == .assistant && $0.completedAt != nil && !$0.interrupted && $0.content == response.text
                        && $0.toolCalls == response.toolCalls
                })
            else { return nil }
            return [
                "type": "model_responded", "step": .number(Double(step)), "message": .number(Double(message.position)),
                "usage": response.usage.referenceJSON,
            ]
        case .toolCompleted(let result):
            // The message table keeps no usage: a result with a child run's usage is journalled whole.
            guard result.usage == nil,
                let message = messages.last(where: {
                    $0.role == .tool && $0.toolCallId == result.callId && $0.toolName == result.name && $0.content == result.content
                })
            else { return nil }
            var object: [String: JSONValue] = ["type": "tool_completed", "message": .number(Double(message.position))]
            if let failure = result.failure { object["failure"] = .string(failure.rawValue) }
            return .object(object)
        case .finished(.completed(let answer)):
            let step = before.reversed().lazy.compactMap { entry -> Int? in
                if case .modelResponded(let step, let response) = entry, response.text == answer { step } else { nil }
            }.first
            guard let step else { return nil }
            return ["type": "finished", "outcome": ["phase": "completed", "answer_of_step": .number(Double(step))]]
        default:
            return nil
        }
    }

    /// A stored journal, parsed, with what expanding it needs from the rest of the store.
    public struct Stored: Sendable {
        let values: [JSONValue]
        let texts: [String]

        /// Parses stored texts; fails on text that is not JSON.
        public init(texts: [String]) throws {
            self.texts = texts
            values = try texts.enumerated().map { index, text in
                do {
                    return try JSONValue.parse(text)
                } catch {
                    throw StoreError(code: .corrupt, message: "journal entry \(index + 1) is not JSON: \(error)", cause: error)
                }
            }
        }

        /// The session position of the first message the journal refers to, when it refers to any:
        /// the store passes the session's messages from there up to the run's message base (the
        /// history), and the run's own messages.
        public var firstMessagePosition: Int? {
            values.compactMap { value -> Int? in
                guard case .object(let object) = value, object["history_from"] != nil || object["message"] != nil else { return nil }
                return (object["history_from"] ?? object["message"])?.integer(in: 0...Int.max)
            }.min()
        }

        /// Whether the journal refers to the agent version's instructions (a referred start).
        public var needsInstructions: Bool {
            values.contains { $0["type"]?.stringValue == "started" && $0["history_from"] != nil }
        }

        /// The entries whole again, each with its time (`times`: seconds since 1970, one per
        /// stored text); a reference that cannot be resolved is `store_corrupt`, naming the run.
        public func records(times: [Double], run: Run, instructions: String?, summary: String?, messages: [Message]) throws -> [JournalRecord] {
            do {
                let entries = try entries(run: run, instructions: instructions, summary: summary, messages: messages)
                return zip(entries, times).map { JournalRecord(entry: $0, recordedAt: Date(timeIntervalSince1970: $1)) }
            } catch var error as StoreError {
                if !error.message.hasPrefix("run ") { error.message = "run \(run.id): " + error.message }
                throw error
            }
        }

        /// The entries, whole again.
        /// - Parameters:
        ///   - run: the run the journal belongs to (ids, agent, input, message base).
        ///   - instructions: the agent version's instructions, when `needsInstructions`.
        ///   - summary: the session's summary.
        ///   - messages: the session's messages from `firstMessagePosition` on. A message
        ///     deleted since (a whole run pruned) is left out of a rebuilt history.
        public func entries(run: Run, instructions: String?, summary: String?, messages: [Message]) throws -> [JournalEntry] {
            let byPosition = Dictionary(messages.map { ($0.position, $0) }, uniquingKeysWith: { _, last in last })
            let decoder = JSONDecoder()
            var entries: [JournalEntry] = []
            entries.reserveCapacity(values.count)
            for (index, value) in values.enumerated() {
                func corrupt(_ why: String) -> StoreError {
                    StoreError(code: .corrupt, message: "run \(run.id): journal entry \(index + 1) \(why)")
                }
                func message(_ key: String) throws -> Message {
                    guard let position = value[key]?.integer(in: 0...Int.max) else { throw corrupt("has no valid '\(key)'") }
                    guard let message = byPosition[position] else { throw corrupt("refers to message \(position), which is gone") }
                    return message
                }
                switch (value["type"]?.stringValue, value["history_from"], value["message"], value["outcome"]?["answer_of_step"]) {
                case ("started", .some(let from), _, _):
                    guard let from = from.integer(in: 0...Int.max) else { throw corrupt("has no valid 'history_from'") }
                    guard let instructions else { throw corrupt("needs the instructions of agent version \(run.agentVersion), which is gone") }
                    let history = messages.filter { $0.position >= from && $0.position < run.messageBase }.map(\.chatMessage)
                    let context = ConversationContext.build(instructions: instructions, summary: summary, history: history, input: run.input)
                    let sessionUsage = value["session_usage"].map(Usage.init(reference:))
                    let prices = value["prices"].flatMap { prices -> ModelPrices? in
                        guard let input = prices["input"]?.numberValue, let output = prices["output"]?.numberValue else { return nil }
                        return ModelPrices(inputPerMillion: input, outputPerMillion: output)
                    }
                    entries.append(
                        .started(
                            RunStart(
                                runId: run.id, sessionId: run.sessionId, agent: run.agent, agentVersion: run.agentVersion,
                                context: context, historyFrom: from, sessionUsage: sessionUsage, prices: prices
                            )
                        )
                    )
                case ("model_responded", _, .some, _):
                    guard let step = value["step"]?.integer(in: 1...Int.max) else { throw corrupt("has no valid 'step'") }
                    let answer = try message("message")
                    let usage = Usage(reference: value["usage"] ?? [:])
                    entries.append(
                        .modelResponded(step: step, response: ModelResponse(text: answer.content, toolCalls: answer.toolCalls, usage: usage))
                    )
                case ("tool_completed", _, .some, _):
                    let result = try message("message")
                    guard let callId = result.toolCallId, let name = result.toolName else { throw corrupt("refers to a message that is no tool result") }
                    let failure = try value["failure"].map { text in
                        guard let failure = text.stringValue.flatMap(ToolResult.Failure.init(rawValue:)) else { throw corrupt("has an unknown failure") }
                        return failure
                    }
                    entries.append(.toolCompleted(ToolResult(callId: callId, name: name, content: result.content, failure: failure)))
                case ("finished", _, _, .some(let stepValue)):
                    guard let step = stepValue.integer(in: 1...Int.max) else { throw corrupt("has no valid 'answer_of_step'") }
                    let answer = entries.reversed().lazy.compactMap { entry -> String? in
                        if case .modelResponded(step, let response) = entry { response.text } else { nil }
                    }.first
                    guard let answer else { throw corrupt("refers to the answer of a step the journal does not hold") }
                    entries.append(.finished(.completed(answer: answer)))
                default:
                    do {
                        entries.append(try decoder.decode(JournalEntry.self, from: Data(texts[index].utf8)))
                    } catch {
                        throw StoreError(code: .corrupt, message: "run \(run.id): journal entry \(index + 1) cannot be read: \(error)", cause: error)
                    }
                }
            }
            return entries
        }
    }
}

extension Usage {
    /// Token counts as a compact journal reference writes them.
    var referenceJSON: JSONValue {
        ["input_tokens": .number(Double(inputTokens)), "output_tokens": .number(Double(outputTokens))]
    }

    /// Token counts from a compact journal reference (a missing or invalid count is 0).
    init(reference: JSONValue) {
        self.init(
            inputTokens: reference["input_tokens"]?.integer(in: 0...Int.max) ?? 0,
            outputTokens: reference["output_tokens"]?.integer(in: 0...Int.max) ?? 0
        )
    }
}
