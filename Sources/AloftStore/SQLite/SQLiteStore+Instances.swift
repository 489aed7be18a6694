public import AloftCore
import Foundation
import GRDB

extension SQLiteStore: InstanceStore {
    public func createInstance(_ instance: AgentInstance) async throws {
        let environment = try AgentInstance.storedJSON(instance.environment)
        let model = try AgentInstance.storedJSON(instance.model)
        try await pool.write { db in
            // The writer is alone: the look-up and the insert cannot interleave with another's.
            if try Bool.fetchOne(db, sql: "SELECT COUNT(*) > 0 FROM instances WHERE agent = ? AND name = ?", arguments: [instance.agent, instance.name]) == true {
                throw StoreError(code: .conflict, message: "agent \(instance.agent) has an instance named \(instance.name)")
            }
            try db.execute(
                sql: """
                    INSERT INTO instances (id, agent, name, environment, model, created_by, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    instance.id, instance.agent, instance.name, environment, model, instance.createdBy, instance.createdAt.timeIntervalSince1970,
                    instance.updatedAt.timeIntervalSince1970,
                ]
            )
        }
    }

    public func instance(id: String) async throws -> AgentInstance? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM instances WHERE id = ?"), arguments: [id]).map(Self.instance(row:))
        }
    }

    public func instance(agent: String, name: String) async throws -> AgentInstance? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM instances WHERE agent = ? AND name = ?"), arguments: [agent, name])
                .map(Self.instance(row:))
        }
    }

    public func instances(agent: String?) async throws -> [AgentInstance] {
        try await pool.read { db in
            let rows: [Row]
            if let agent {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM instances WHERE agent = ? ORDER BY name", arguments: [agent])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM instances ORDER BY agent, name")
            }
            return try rows.map(Self.instance(row:))
        }
    }


    private static func instance(row: Row) throws -> AgentInstance {
        let environment: String = row["environment"]
        let model: String = row["model"]
        return AgentInstance(
            id: row["id"], agent: row["agent"], name: row["name"],
            environment: try JSONDecoder().decode([String: String].self, from: Data(environment.utf8)),
            model: try JSONDecoder().decode(AgentInstance.ModelOverrides.self, from: Data(model.utf8)),
            createdBy: row["created_by"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"])
        )
    }
}
