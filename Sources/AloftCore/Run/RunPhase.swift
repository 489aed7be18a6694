/// Where a run is in its life.
public enum RunPhase: String, Sendable, Hashable, Codable, CaseIterable {
    case pending
    case running
    case waitingForApproval = "waiting_for_approval"
    case completed
    case failed
    case cancelled

    /// A finished run never changes again.
    public var isTerminal: Bool {
        switch self {
        case .completed, .failed, .cancelled: true
        case .pending, .running, .waitingForApproval: false
        }
    }
}
