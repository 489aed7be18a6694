import AloftCore
import AloftTestSupport
import Foundation

/// A running `aloft serve` on a free port, for live tests.
struct ServerProcess {
    let process: AloftProcess
    let base: String
    let arguments: [String]
    let folder: String
    var environment: [String: String] = [:]

    /// Starts `aloft serve` in `folder` (agents from `folder/agents`, database `aloft.db`) and
    /// waits until it answers.
    static func start(in folder: String, port: Int? = nil, extra: [String] = [], environment: [String: String] = [:]) async throws -> ServerProcess {
        let port = try port ?? freePort()
        let arguments = ["serve", "--port", "\(port)", "--agents", "agents", "--db", "aloft.db"] + extra
        let server = ServerProcess(
            process: try AloftProcess(arguments, directory: folder, environment: environment), base: "http://127.0.0.1:\(port)",
            arguments: arguments, folder: folder, environment: environment
        )
        try await server.waitUntilAnswering()
        return server
    }

    /// The same server started again (after a crash or a shutdown).
    func restart() async throws -> ServerProcess {
        let server = ServerProcess(
            process: try AloftProcess(arguments, directory: folder, environment: environment), base: base, arguments: arguments, folder: folder,
            environment: environment
        )
        try await server.waitUntilAnswering()
        return server
    }

    private func waitUntilAnswering() async throws {
        try await eventually("the server answers") { (try? await http("GET", "\(base)/healthz"))?.status == 200 }
    }
}

/// The folder for a test's agent files, created.
func agentsFolder(in folder: String) throws -> String {
    let agents = (folder as NSString).appendingPathComponent("agents")
    try FileManager.default.createDirectory(atPath: agents, withIntermediateDirectories: true)
    return agents
}

/// A scripted agent that streams `words` words `delay` milliseconds apart.
func writeTalker(to path: String, name: String = "talker", words: Int, delay: Int) throws {
    try """
        name: \(name)
        model:
          provider: scripted
          script:
            - text: "\((1...words).map { "w\($0)" }.joined(separator: " "))"
              chunk_delay_ms: \(delay)
        """.write(toFile: path, atomically: true, encoding: .utf8)
}

extension ServerProcess {
    /// Starts a run of `agent` over REST and waits until it is completed or failed; the run.
    func runToEnd(agent: String, input: String) async throws -> JSONValue {
        let started = try await http("POST", "\(base)/v1/runs", json: JSONValue.object(["agent": .string(agent), "input": .string(input)]).jsonText())
        guard let id = started.body["id"]?.stringValue else { throw RunDidNotStart(answer: started.body) }
        var run = JSONValue.null
        try await eventually("the run finishes") {
            run = try await http("GET", "\(base)/v1/runs/\(id)").body
            return run["phase"] == "completed" || run["phase"] == "failed"
        }
        return run
    }
}

/// A run that the server refused to start.
struct RunDidNotStart: Error, CustomStringConvertible {
    var answer: JSONValue
    var description: String { "the run did not start: \(answer.jsonText().prefix(500))" }
}
