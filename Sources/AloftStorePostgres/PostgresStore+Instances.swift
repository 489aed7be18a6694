public import AloftCore
import Foundation
import PostgresNIO

extension PostgresStore: InstanceStore {
    public func createInstance(_ instance: AgentInstance) async throws {
        let environment = try AgentInstance.storedJSON(instance.environment)
        let model = try AgentInstance.storedJSON(instance.model)
        let inserted = try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO instances (id, agent, name, environment, model, created_by, created_at, updated_at)
                VALUES (\(instance.id), \(instance.agent), \(instance.name), \(environment), \(model), \(instance.createdBy),
                        \(instance.createdAt.timeIntervalSince1970), \(instance.updatedAt.timeIntervalSince1970))
                ON CONFLICT (agent, name) DO NOTHING RETURNING id
                """, logger: self.logger
            ).collect().count
        }
        guard inserted == 1 else { throw StoreError(code: .conflict, message: "agent \(instance.agent) has an instance named \(instance.name)") }
    }

    public func instance(id: String) async throws -> AgentInstance? {
        try await read { connection in
            try await connection.query("SELECT \(unescaped: Self.instanceColumns) FROM instances WHERE id = \(id)", logger: self.logger)
                .collect().first.map(Self.instance)
        }
    }

    public func instance(agent: String, name: String) async throws -> AgentInstance? {
        try await read { connection in
            try await connection.query(
                "SELECT \(unescaped: Self.instanceColumns) FROM instances WHERE agent = \(agent) AND name = \(name)", logger: self.logger
            ).collect().first.map(Self.instance)
        }
    }

    public func instances(agent: String?) async throws -> [AgentInstance] {
        try await read { connection in
            let rows: [PostgresRow]
            if let agent {
                rows = try await connection.query(
                    "SELECT \(unescaped: Self.instanceColumns) FROM instances WHERE agent = \(agent) ORDER BY name", logger: self.logger
                ).collect()
            } else {
                rows = try await connection.query("SELECT \(unescaped: Self.instanceColumns) FROM instances ORDER BY agent, name", logger: self.logger)
                    .collect()
            }
            return try rows.map(Self.instance)
        }
    }

    private static let instanceColumns = "id, agent, name, environment, model, created_by, created_at, updated_at"


    private static func instance(_ row: PostgresRow) throws -> AgentInstance {
        let (id, agent, name, environment, model, createdBy, created, updated) = try row.decode(
            (String, String, String, String, String, String, Double, Double).self
        )
        return AgentInstance(
            id: id, agent: agent, name: name, environment: try JSONDecoder().decode([String: String].self, from: Data(environment.utf8)),
            model: try JSONDecoder().decode(AgentInstance.ModelOverrides.self, from: Data(model.utf8)), createdBy: createdBy,
            createdAt: Date(timeIntervalSince1970: created), updatedAt: Date(timeIntervalSince1970: updated)
        )
    }
}
