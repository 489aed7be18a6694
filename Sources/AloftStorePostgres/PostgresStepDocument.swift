import AloftCore
import Foundation

/// One step as `aloft_commit_steps` reads it (migration `v2-commit-function`): a JSON object
/// whose keys (in snake case) are the columns they fill. A key is left out when the step has nothing for it,
/// so the function skips that statement. Several steps are committed as one JSON array.
struct PostgresStepDocument: Encodable {
    struct AgentVersion: Encodable {
        var version: String
        var name: String
        var definition: String
    }

    struct Claim: Encodable {
        var session: String
        var run: String
    }

    struct NewSession: Encodable {
        var id: String
        var agent: String
        var userId: String?
        var title: String?
        var summary: String?
        var activeRunId: String?
        var metadata: String?
        var labels: [String: String]?
        var instanceId: String?
        var createdAt: Double
        var updatedAt: Double
    }

    struct NewRun: Encodable {
        var id: String
        var sessionId: String
        var agent: String
        var agentVersion: String
        var phase: String
        var input: String
        var correlationId: String?
        var metadata: String?
        var eventSeq: Int
        var messageBase: Int
        var createdAt: Double
        var updatedAt: Double
    }

    struct RunRow: Encodable {
        var phase: String
        var output: String?
        var errorCode: String?
        var errorMessage: String?
        var iterations: Int
        var inputTokens: Int
        var outputTokens: Int
        var eventSeq: Int
        var updatedAt: Double
        var finishedAt: Double?
    }

    struct Entry: Encodable {
        var seq: Int
        var entry: String
    }

    struct Event: Encodable {
        var seq: Int
        var kind: String
        var data: String
    }

    struct MessageRow: Encodable {
        var position: Int
        var inRun: Bool
        var role: String
        var content: String
        var toolCalls: String?
        var toolCallId: String?
        var toolName: String?
        var createdAt: Double
        var completedAt: Double?
        var interrupted: Bool
        var error: String?
    }

    struct Approval: Encodable {
        var runId: String
        var callId: String
        var toolName: String
        var arguments: String
        var requestedAt: Double
        var deadline: Double?
    }

    struct Timer: Encodable {
        var id: String
        var runId: String
        var fireAt: Double
        var kind: String
        var callIds: String
    }

    var runId: String
    var at: Double
    var agent: AgentVersion?
    var claim: Claim?
    var newSession: NewSession?
    var newRun: NewRun?
    var entries: [Entry]?
    var run: RunRow?
    var eventSeq: Int?
    var events: [Event]?
    var lastEvent: Int?
    /// The events' `seq` are 1, 2, …: the function numbers them after the run's counter.
    var numberEvents: Bool?
    var interrupt: Bool?
    var messages: [MessageRow]?
    var removeAllApprovals: Bool?
    var removeApprovals: [String]?
    var addApprovals: [Approval]?
    var removeAllTimers: Bool?
    var removeTimers: [String]?
    var addTimers: [Timer]?
    var release: String?
    var consumed: [Int64]?
    var queuedCommands: [String]?

    init(_ step: EncodedStep, numberingEvents: Bool) {
        let w = step.write
        runId = w.runId
        at = step.recordedAt
        if let version = w.agentVersion, let definition = step.agentJSON {
            agent = AgentVersion(version: version.version, name: version.definition.name, definition: definition)
        }
        if let active = w.sessionActiveRun {
            if let runId = active.runId {
                claim = Claim(session: active.sessionId, run: runId)
            } else {
                release = active.sessionId
            }
        }
        if let session = w.newSession {
            newSession = NewSession(
                id: session.id, agent: session.agent, userId: session.userId, title: session.title, summary: session.summary,
                activeRunId: session.activeRunId, metadata: step.sessionMetadataJSON, labels: session.metadata.isEmpty ? nil : session.metadata,
                instanceId: session.instanceId, createdAt: session.createdAt.timeIntervalSince1970, updatedAt: session.updatedAt.timeIntervalSince1970
            )
        }
        if let run = w.newRun {
            newRun = NewRun(
                id: run.id, sessionId: run.sessionId, agent: run.agent, agentVersion: run.agentVersion, phase: run.phase.rawValue,
                input: run.input, correlationId: run.correlationId, metadata: step.metadataJSON, eventSeq: run.eventSeq,
                messageBase: run.messageBase, createdAt: run.createdAt.timeIntervalSince1970, updatedAt: run.updatedAt.timeIntervalSince1970
            )
        }
        if !step.entries.isEmpty {
            entries = step.entries.map { Entry(seq: $0.seq, entry: $0.json) }
        }
        if let run = w.run {
            self.run = RunRow(
                phase: run.phase.rawValue, output: run.output, errorCode: run.error?.code.rawValue, errorMessage: run.error?.message,
                iterations: run.iterations, inputTokens: run.usage.inputTokens, outputTokens: run.usage.outputTokens,
                eventSeq: run.eventSeq, updatedAt: run.updatedAt.timeIntervalSince1970, finishedAt: run.finishedAt?.timeIntervalSince1970
            )
        } else {
            eventSeq = w.eventSeq
        }
        if numberingEvents, !step.events.isEmpty {
            events = step.events.enumerated().map { Event(seq: $0.offset + 1, kind: $0.element.kind, data: $0.element.data) }
            lastEvent = step.events.count
            numberEvents = true
        } else if !step.events.isEmpty {
            events = step.events.map { Event(seq: $0.seq, kind: $0.kind, data: $0.data) }
            lastEvent = step.events.map(\.seq).max()
        }
        if w.interruptOpenMessages { interrupt = true }
        if !w.messages.isEmpty {
            messages = zip(w.messages, step.messageToolCalls).map { message, toolCalls in
                MessageRow(
                    position: message.position, inRun: message.runId != nil, role: message.role.rawValue, content: message.content,
                    toolCalls: toolCalls, toolCallId: message.toolCallId, toolName: message.toolName,
                    createdAt: message.createdAt.timeIntervalSince1970, completedAt: message.completedAt?.timeIntervalSince1970,
                    interrupted: message.interrupted, error: message.error
                )
            }
        }
        if w.removeAllApprovals { removeAllApprovals = true }
        if !w.removeApprovals.isEmpty { removeApprovals = w.removeApprovals }
        if !w.addApprovals.isEmpty {
            addApprovals = zip(w.addApprovals, step.approvalArguments).map { approval, arguments in
                Approval(
                    runId: approval.runId, callId: approval.call.id, toolName: approval.call.name, arguments: arguments,
                    requestedAt: approval.requestedAt, deadline: approval.deadline
                )
            }
        }
        if w.removeAllTimers { removeAllTimers = true }
        if !w.removeTimers.isEmpty { removeTimers = w.removeTimers }
        if !w.addTimers.isEmpty {
            addTimers = zip(w.addTimers, step.timerCallIds).map { timer, callIds in
                Timer(id: timer.id, runId: timer.runId, fireAt: timer.fireAt, kind: timer.kind.rawValue, callIds: callIds)
            }
        }
        if !w.consumedCommands.isEmpty { consumed = w.consumedCommands }
        if !step.queuedCommands.isEmpty { queuedCommands = step.queuedCommands }
    }

    /// The step as the JSON text the function reads.
    static func json(of step: EncodedStep, numberingEvents: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(PostgresStepDocument(step, numberingEvents: numberingEvents)), as: UTF8.self)
    }
}
