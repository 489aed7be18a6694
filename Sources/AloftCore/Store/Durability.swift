/// What a committed step survives. Each commit group is one transaction.
public enum Durability: String, Sendable, CaseIterable {
    /// fsync on every commit group (SQLite `synchronous=FULL` in WAL mode): a committed step
    /// survives a process crash and a power cut. The default.
    case powerCut = "power-cut"
    /// No fsync per commit (`synchronous=NORMAL`): a committed step survives a process crash
    /// (the OS still has it), but a power cut or OS crash may lose the last commits.
    /// The database is never corrupted.
    case processCrash = "process-crash"
}
