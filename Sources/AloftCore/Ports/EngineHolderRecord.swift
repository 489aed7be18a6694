import Foundation

/// The process that executes a shared store's runs, as any process sees it.
public struct EngineHolder: Sendable, Equatable {
    public var host: String
    public var pid: Int
    /// When it took the engine.
    public var since: Date

    public init(host: String, pid: Int, since: Date) {
        self.host = host
        self.pid = pid
        self.since = since
    }
}

/// A store several processes share records which one executes its runs.
public protocol EngineHolderRecord: Sendable {
    /// The live process holding the engine; nil when none does (runs under way are stalled
    /// until one takes it).
    func engineHolder() async throws -> EngineHolder?
}
