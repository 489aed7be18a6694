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
