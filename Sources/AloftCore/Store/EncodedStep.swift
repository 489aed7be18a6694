import Foundation

/// A step with its JSON already encoded (the compact journal form, the events referring to
/// messages), so a store's writer spends its time writing. The same for every store.
public struct EncodedStep: Sendable {
    public let write: StepWrite
    public let entries: [(seq: Int, json: String)]
    public let agentJSON: String?
    public let metadataJSON: String?
    /// The new session's metadata, as `labelsJSON` writes it.
    public let sessionMetadataJSON: String?
    public let messageToolCalls: [String?]
    public let timerCallIds: [String]
    public let approvalArguments: [String]
    public let events: [(seq: Int, kind: String, data: String)]
    /// `write.queuedCommands` as the inbox stores them.
    public let queuedCommands: [String]
    public let recordedAt: Double

    /// Encodes `write`; `now` is its time when it carries no run (the recording step's time otherwise).
    public init(_ write: StepWrite, now: Date) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        func json(_ value: some Encodable) throws -> String {
            String(decoding: try encoder.encode(value), as: UTF8.self)
        }
        self.write = write
        entries = Array(zip(write.entries.map(\.seq), try CompactJournal.encode(write.entries.map(\.entry), messages: write.messages)))
        agentJSON = try write.agentVersion.map { try json($0.definition) }
        let metadata = write.newRun?.metadata ?? [:]
        metadataJSON = metadata.isEmpty ? nil : try json(metadata)
        sessionMetadataJSON = try Self.labelsJSON(write.newSession?.metadata ?? [:])
        messageToolCalls = try write.messages.map { $0.toolCalls.isEmpty ? nil : try json($0.toolCalls) }
        timerCallIds = try write.addTimers.map { try json($0.callIds) }
        approvalArguments = write.addApprovals.map(\.call.arguments)
        events = RunEventRecord.records(for: write.events).map {
            let record = $0.referring(to: write.messages)
            return (record.seq, record.kind.rawValue, record.data.jsonText())
        }
        queuedCommands = try write.queuedCommands.map { try json($0) }
        recordedAt = write.run?.updatedAt.timeIntervalSince1970 ?? write.newRun?.updatedAt.timeIntervalSince1970
            ?? now.timeIntervalSince1970
    }

    /// Labels (a session's metadata) as stored whole: JSON with sorted keys, nil when none.
    public static func labelsJSON(_ labels: [String: String]) throws -> String? {
        guard !labels.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(labels), as: UTF8.self)
    }

    /// An agent version as a store keeps it (the JSON `agentJSON` wrote); unreadable is `store_corrupt`.
    public static func agent(stored text: String, version: String) throws -> AgentDefinition {
        do {
            return try JSONDecoder().decode(AgentDefinition.self, from: Data(text.utf8))
        } catch {
            throw StoreError(code: .corrupt, message: "agent version \(version) cannot be read: \(error)", cause: error)
        }
    }
}
