import AloftCore
import Foundation

/// A2A's name for where a task is; Aloft's run phases map onto it (`A2ATaskProjection`).
package enum A2ATaskState: Sendable, Hashable {
    case submitted, working, inputRequired, completed, canceled, failed, rejected, authRequired

    /// Nothing more happens to the task.
    package var isTerminal: Bool { self == .completed || self == .canceled || self == .failed || self == .rejected }
    /// The task waits for the client: a stream closes here as at a terminal state.
    package var isInterrupted: Bool { self == .inputRequired || self == .authRequired }

    package var v0_3: String {
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

    package var v1_0: String {
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
    package init?(name: String) {
        guard let state = Self.all.first(where: { $0.v0_3 == name || $0.v1_0 == name }) else { return nil }
        self = state
    }

    private static let all: [A2ATaskState] = [.submitted, .working, .inputRequired, .completed, .canceled, .failed, .rejected, .authRequired]
}

/// A task's state with the message that explains it and when it was reached.
package struct A2ATaskStatus: Sendable, Hashable {
    package var state: A2ATaskState
    package var message: A2AMessage?
    package var timestamp: Date?

    package init(state: A2ATaskState, message: A2AMessage? = nil, timestamp: Date? = nil) {
        self.state = state
        self.message = message
        self.timestamp = timestamp
    }
}

/// An output of a task: Aloft's is the answer (`answer`).
package struct A2AArtifact: Sendable, Hashable {
    package var artifactId: String
    package var name: String?
    package var parts: [A2APart]

    package init(artifactId: String, name: String? = nil, parts: [A2APart]) {
        self.artifactId = artifactId
        self.name = name
        self.parts = parts
    }
}

/// An A2A task: one Aloft run. Its `contextId` is the run's session.
package struct A2ATask: Sendable, Hashable {
    package var id: String
    package var contextId: String
    package var status: A2ATaskStatus
    package var artifacts: [A2AArtifact]
    package var history: [A2AMessage]
    package var metadata: [String: JSONValue]

    package init(
        id: String, contextId: String, status: A2ATaskStatus, artifacts: [A2AArtifact] = [], history: [A2AMessage] = [],
        metadata: [String: JSONValue] = [:]
    ) {
        self.id = id
        self.contextId = contextId
        self.status = status
        self.artifacts = artifacts
        self.history = history
        self.metadata = metadata
    }
}

/// What a stream sends: the task first, then its status and artifact updates. Each update
/// carries the run's event number as `aloft.seq` in its metadata (the resume cursor).
package enum A2AStreamItem: Sendable, Hashable {
    case task(A2ATask)
    /// A direct answer, without a task (some agents answer so; Aloft's never do).
    case message(A2AMessage)
    case status(taskId: String, contextId: String, status: A2ATaskStatus, final: Bool, metadata: [String: JSONValue])
    case artifact(taskId: String, contextId: String, artifact: A2AArtifact, append: Bool, lastChunk: Bool, metadata: [String: JSONValue])

    /// The run event number this item stands for (none for the task snapshot).
    package var seq: Int? {
        switch self {
        case .task, .message: nil
        case .status(_, _, _, _, let metadata), .artifact(_, _, _, _, _, let metadata): metadata[A2AMetadataKey.seq]?.integer(in: 0...Int.max)
        }
    }

    /// After this item the stream closes: the task ended or waits for the client.
    package var closesStream: Bool {
        switch self {
        case .task(let task): task.status.state.isTerminal || task.status.state.isInterrupted
        case .status(_, _, let status, _, _): status.state.isTerminal || status.state.isInterrupted
        case .artifact: false
        case .message: true
        }
    }
}

/// The metadata keys Aloft adds to what A2A carries.
package enum A2AMetadataKey {
    /// On every streamed update: the run's event number. In a subscribe request (or the
    /// `Last-Event-ID` header): the last number the client saw; only later events are sent.
    package static let seq = "aloft.seq"
    /// In a subscribe request's metadata: the last event number the client saw.
    package static let lastSeq = "aloft.last_seq"
    /// On streamed updates: the run event the update stands for (`tool_call_started`, …).
    package static let event = "aloft.event"
    /// On streamed tool updates: the event's data (the tool call, its result).
    package static let data = "aloft.data"
}

extension A2AMetadataKey {
    /// In a run's metadata: the A2A message id that started it.
    package static let runMessageId = "a2a.message_id"
}
