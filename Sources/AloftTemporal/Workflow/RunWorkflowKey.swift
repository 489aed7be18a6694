public import AloftCore

/// The ids of a run's activities and timers, derived from the loop's state: a replayed
/// workflow task gives the same ids, and a history event names the order it answers.
public enum RunWorkflowKey {
    public static let modelActivityType = "aloft.model"
    public static let toolActivityType = "aloft.tool"
    /// The signal that carries an `ApprovalDecision`.
    public static let approvalSignal = "aloft.approval"

    /// The activity id of a model call or tool call (nil for other orders).
    public static func activityId(of key: OrderKey) -> String? {
        switch key {
        case .model(let step): "model-\(step)"
        case .tool(let callId): "tool-\(callId)"
        case .approval, .finish: nil
        }
    }

    /// The order an activity id stands for.
    public static func key(ofActivity id: String) -> OrderKey? {
        if id.hasPrefix("model-"), let step = Int(id.dropFirst(6)), step > 0 { return .model(step: step) }
        if id.hasPrefix("tool-"), id.count > 5 { return .tool(callId: String(id.dropFirst(5))) }
        return nil
    }

    /// The approval deadline's timer of iteration `step`: one per iteration, started when its
    /// first call waits for a person; when it fires, every call of it still waiting is denied.
    public static func approvalTimerId(step: Int) -> String { "approval-\(step)" }

    public static func step(ofApprovalTimer id: String) -> Int? {
        guard id.hasPrefix("approval-"), let step = Int(id.dropFirst(9)), step > 0 else { return nil }
        return step
    }
}
