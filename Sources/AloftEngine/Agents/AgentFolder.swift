public import AloftCore
import Foundation

/// The agents of a folder of agent files, by name: what `- agent: NAME` tools find when Aloft
/// runs from agent files (`aloft run`, `aloft chat`, `aloft worker --agents`).
public struct AgentFolder: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// The agent named `name`: the file `NAME.yaml` (`.yml`, `.json`), else the first file
    /// whose agent has that name; nil when none has it (files that do not load are skipped:
    /// `aloft run` on such a file says what is wrong with it).
    public func agent(named name: String) throws -> AgentDefinition? {
        guard AgentDefinition.isValidName(name) else { return nil }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        let candidates = ["yaml", "yml", "json"].map { "\(name).\($0)" }.filter(files.contains)
            + files.filter { [".yaml", ".yml", ".json"].contains(where: $0.hasSuffix) }
        for file in candidates {
            let path = (directory as NSString).appendingPathComponent(file)
            guard let agent = try? AgentFile.load(path: path) else { continue }
            if agent.name == name { return agent }
        }
        return nil
    }
}
