public import AloftCore
import AloftEngine

import Foundation
import Synchronization

/// The agents a server offers: those of its agents directory (loaded at start) and those
/// created through the API (kept in the database).
public final class AgentRegistry: Sendable {
    /// Where an agent comes from.
    public enum Source: Sendable, Hashable {
        case file(String)
        case api

    }

    struct Entry: Sendable {
        var definition: AgentDefinition
        var source: Source
    }

    private let agents = Mutex<[String: Entry]>([:])
    let store: any AgentStore

    public init(store: any AgentStore) {
        self.store = store
    }

    /// Loads the agents stored through the API, then every `*.yaml`, `*.yml` and `*.json` file of
    /// `directory`. A bad file is reported (by name, line and field) and skipped; the others load.
    /// Returns the problems found.
    @discardableResult
    /// Agents stored through the API are checked again with `admit` (the configuration may
    /// have changed since they were created); one no longer allowed is reported and not offered.
    public func load(
        directory: String?, validate: (AgentDefinition) async throws -> Void,
        admit: (AgentDefinition) -> Result<AgentDefinition, APIAgentRefusal> = { .success($0) }
    ) async throws -> [String] {
        var problems: [String] = []
        var loaded: [String: Entry] = [:]
        for stored in try await store.storedAgents() {
            switch admit(stored.definition) {
            case .success(let definition):
                loaded[definition.name] = Entry(definition: definition, source: .api)
            case .failure(let refusal):
                problems.append(
                    "agent '\(stored.definition.name)' (created through the API) is not offered: "
                        + refusal.problems.joined(separator: "; ")
                )
            }
        }
        if let directory {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            if !FileManager.default.fileExists(atPath: directory) {
                problems.append("\(directory): the agents directory does not exist")
            }
            for file in files.sorted() where [".yaml", ".yml", ".json"].contains(where: file.hasSuffix) {
                let path = (directory as NSString).appendingPathComponent(file)
                do {
                    let agent = try AgentFile.load(path: path)
                    try await validate(agent)
                    if let existing = loaded[agent.name], case .file(let other) = existing.source {
                        problems.append("\(path): agent '\(agent.name)' is already defined by \(other); skipped")
                        continue
                    }
                    loaded[agent.name] = Entry(definition: agent, source: .file(path))
                } catch let error as AgentFileError {
                    problems.append(error.description)
                } catch let error as EngineError {
                    problems.append("\(path): \(error.message)")
                }
            }
        }
        agents.withLock { $0 = loaded }
        return problems
    }

    /// How many agents are offered.
    public var count: Int { agents.withLock { $0.count } }

    public func agent(named name: String) -> AgentDefinition? {
        agents.withLock { $0[name]?.definition }
    }

    func entry(named name: String) -> Entry? {
        agents.withLock { $0[name] }
    }

    func all() -> [Entry] {
        agents.withLock { $0.values.sorted { $0.definition.name < $1.definition.name } }
    }

    /// Creates or replaces an agent (kept in the database). Returns whether it was new.
    public func put(_ agent: AgentDefinition, at date: Date) async throws -> Bool {
        try await store.save(agent: agent, version: agent.version, at: date)
        return agents.withLock { agents in
            defer { agents[agent.name] = Entry(definition: agent, source: .api) }
            return agents[agent.name] == nil
        }
    }

    /// Removes an agent; returns false when there was none.
    func remove(named name: String) async throws -> Bool {
        let existed = agents.withLock { $0.removeValue(forKey: name) != nil }
        _ = try await store.deleteAgent(name: name)
        return existed
    }
}
