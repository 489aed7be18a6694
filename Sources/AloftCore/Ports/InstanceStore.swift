import Foundation

/// Agent instances (`AgentInstance`), kept by a store.
public protocol InstanceStore: Sendable {
    /// Records a new instance. `StoreError` `conflict` when its agent has an instance of that
    /// name already (two callers creating an agent's default at once: one of them wins).
    func createInstance(_ instance: AgentInstance) async throws
    /// The instance with this id, if any.
    func instance(id: String) async throws -> AgentInstance?
    /// The instance of `agent` named `name`, if any.
    func instance(agent: String, name: String) async throws -> AgentInstance?
    /// Every instance, of one agent when given, by agent then name.
    func instances(agent: String?) async throws -> [AgentInstance]
}
