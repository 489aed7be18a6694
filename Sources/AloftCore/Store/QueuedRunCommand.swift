/// A command as stored, with the id it is consumed by.
public struct QueuedRunCommand: Sendable, Hashable {
    public var id: Int64
    public var runId: String
    /// Nil when the stored command cannot be read (corrupt, or written by a newer Aloft): the
    /// engine logs it and discards it, so it cannot clog the inbox.
    public var command: RunCommand?

    public init(id: Int64, runId: String, command: RunCommand?) {
        self.id = id
        self.runId = runId
        self.command = command
    }
}
