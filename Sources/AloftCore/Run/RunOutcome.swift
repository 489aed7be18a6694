/// How a run ended.
public enum RunOutcome: Sendable, Hashable, Codable {
    case completed(answer: String)
    case failed(RunError)
    case cancelled(reason: String?)

    public var phase: RunPhase {
        switch self {
        case .completed: .completed
        case .failed: .failed
        case .cancelled: .cancelled
        }
    }
}
