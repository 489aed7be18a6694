import AloftCore
import AloftEngine
import ArgumentParser
import Foundation

/// `aloft agents`: check agent files before running them.
struct Agents: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List and validate agent files.",
        subcommands: [List.self, Validate.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the agents of a folder (as `aloft serve --agents` loads them).")

        @Option(name: .long, help: "The folder of agent files.")
        var agents = "agents"

        func run() async throws {
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: agents)) ?? [])
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            guard !files.isEmpty else {
                printError("no agent files (*.yaml) in \(agents)")
                throw ExitCode(1)
            }
            var failed = false
            for file in files {
                let path = (agents as NSString).appendingPathComponent(file)
                do {
                    let agent = try AgentFile.load(path: path)
                    let tools = agent.tools.map(\.name).joined(separator: ", ")
                    write("\(agent.name.padding(20)) \(agent.model.provider.rawValue)/\(agent.model.name)  tools: \(tools.isEmpty ? "-" : tools)\n")
                } catch let error as AgentFileError {
                    failed = true
                    printError(error.description)
                }
            }
            if failed { throw ExitCode(2) }
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check agent files: every problem, named by file and field; exit 2 if any.")

        @Argument(help: "The agent files.")
        var files: [String]

        func run() async throws {
            var failed = false
            for path in files {
                do {
                    let agent = try AgentFile.load(path: path)
                    printError("ok \(path): agent '\(agent.name)' (version \(agent.version))")
                } catch let error as AgentFileError {
                    failed = true
                    printError(error.description)
                }
            }
            if failed { throw ExitCode(2) }
        }
    }
}
