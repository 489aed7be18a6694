import Foundation

/// An agent definition kept in the database (created through the API).
public struct StoredAgent: Sendable, Hashable {
    public var definition: AgentDefinition
    public var version: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(definition: AgentDefinition, version: String, createdAt: Date, updatedAt: Date) {
        self.definition = definition
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
