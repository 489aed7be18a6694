/// Which runs an engine drives.
public enum EngineScope: Sendable {
    /// Every run in the store: unfinished runs resume at start, and any queued decision or
    /// passed deadline is carried out (`aloft serve`, `aloft resume`).
    case allRuns
    /// Only the runs this engine starts or is given a command for (`aloft run`, `aloft chat`,
    /// `aloft approve`, `aloft runs cancel`): the other runs in the database are left alone,
    /// for `aloft resume` or a server. `driving` hears the runs whenever they change.
    case ownRuns(driving: @Sendable ([String]) -> Void = { _ in })

    var isAll: Bool { if case .allRuns = self { true } else { false } }
}
