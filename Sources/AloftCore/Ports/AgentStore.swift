import Foundation

/// Agent definitions created through the API, kept by a store.
public protocol AgentStore: Sendable {
    /// Saves (or replaces) the definition of `agent.name`.
    func save(agent: AgentDefinition, version: String, at date: Date) async throws
    /// Every stored agent, by name.
    func storedAgents() async throws -> [StoredAgent]
    /// Deletes an agent definition; returns false when there was none.
    func deleteAgent(name: String) async throws -> Bool
}
