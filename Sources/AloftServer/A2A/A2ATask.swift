import AloftCore
import Foundation

/// A2A's name for where a task is; Aloft's run phases map onto it (`A2ATaskProjection`).
enum A2ATaskState: Sendable, Hashable {
    case submitted, working, inputRequired, completed, canceled, failed, rejected, authRequired

    /// Nothing more happens to the task.
    var isTerminal: Bool { self == .completed || self == .canceled || self == .failed || self == .rejected }
    /// The task waits for the client: a stream closes here as at a terminal state.
    var isInterrupted: Bool { self == .inputRequired || self == .authRequired }

    var v0_3: String {
        switch self {
        case .submitted: "submitted"
        case .working: "working"
        case .inputRequired: "input-required"
        case .completed: "completed"
        case .canceled: "canceled"
        case .failed: "failed"
        case .rejected: "rejected"
        case .authRequired: "auth-required"
        }
    }

    var v1_0: String {
        switch self {
        case .submitted: "TASK_STATE_SUBMITTED"
        case .working: "TASK_STATE_WORKING"
        case .inputRequired: "TASK_STATE_INPUT_REQUIRED"
        case .completed: "TASK_STATE_COMPLETED"
        case .canceled: "TASK_STATE_CANCELED"
        case .failed: "TASK_STATE_FAILED"
        case .rejected: "TASK_STATE_REJECTED"
        case .authRequired: "TASK_STATE_AUTH_REQUIRED"
        }
    }

    /// The state a client names in either version's spelling (`input-required`, `TASK_STATE_INPUT_REQUIRED`).
    init?(name: String) {
        guard let state = Self.all.first(where: { $0.v0_3 == name || $0.v1_0 == name }) else { return nil }
        self = state
    }

    private static let all: [A2ATaskState] = [.submitted, .working, .inputRequired, .completed, .canceled, .failed, .rejected, .authRequired]
}

/// A task's state with the message that explains it and when it was reached.
struct A2ATaskStatus: Sendable, Hashable {
    var state: A2ATaskState
    var message: A2AMessage?
    var timestamp: Date?
}

/// An output of a task: Aloft's is the answer (`answer`).
struct A2AArtifact: Sendable, Hashable {
    var artifactId: String
    var name: String?
    var parts: [A2APart]
}

/// An A2A task: one Aloft run. Its `contextId` is the run's session.
struct A2ATask: Sendable, Hashable {
    var id: String
    var contextId: String
    var status: A2ATaskStatus
    var artifacts: [A2AArtifact]
    var history: [A2AMessage]
    var metadata: [String: JSONValue]
}

/// What a stream sends: the task first, then its status and artifact updates. Each update
/// carries the run's event number as `aloft.seq` in its metadata (the resume cursor).
enum A2AStreamItem: Sendable, Hashable {
    case task(A2ATask)
    case status(taskId: String, contextId: String, status: A2ATaskStatus, final: Bool, metadata: [String: JSONValue])
    case artifact(taskId: String, contextId: String, artifact: A2AArtifact, append: Bool, lastChunk: Bool, metadata: [String: JSONValue])

    /// The run event number this item stands for (none for the task snapshot).
    var seq: Int? {
        switch self {
        case .task: nil
        case .status(_, _, _, _, let metadata), .artifact(_, _, _, _, _, let metadata): metadata[A2AMetadataKey.seq]?.integer(in: 0...Int.max)
        }
    }

    /// After this item the stream closes: the task ended or waits for the client.
    var closesStream: Bool {
        switch self {
        case .task(let task): task.status.state.isTerminal || task.status.state.isInterrupted
        case .status(_, _, let status, _, _): status.state.isTerminal || status.state.isInterrupted
        case .artifact: false
        }
    }
}

/// The metadata keys Aloft adds to what A2A carries.
enum A2AMetadataKey {
    /// On every streamed update: the run's event number. In a subscribe request (or the
    /// `Last-Event-ID` header): the last number the client saw; only later events are sent.
    static let seq = "aloft.seq"
    /// In a subscribe request's metadata: the last event number the client saw.
    static let lastSeq = "aloft.last_seq"
    /// On streamed updates: the run event the update stands for (`tool_call_started`, …).
    static let event = "aloft.event"
    /// On streamed tool updates: the event's data (the tool call, its result).
    static let data = "aloft.data"
}

extension A2AMetadataKey {
    /// In a run's metadata: the A2A message id that started it.
    static let runMessageId = "a2a.message_id"
}
