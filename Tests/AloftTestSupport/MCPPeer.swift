import Foundation

/// The official MCP Python SDK's servers (`scripts/install-mcp.sh` puts mcp 2.3.0 and 1.30.0 in
/// `.build/`), running `Tests/MCPPeers/tools_server.py`: over stdio as an agent file starts it,
/// or over streamable HTTP.
public enum MCPPeer {
    public enum SDK: String, Sendable, CaseIterable, CustomStringConvertible {
        case v2_3 = "2.3.0"
        case v1_30 = "1.30.0"
        public var description: String { "mcp \(rawValue)" }
    }

    /// The Python of the SDK's virtual environment, if installed.
    public static func python(_ sdk: SDK) -> String? {
        let path = "\(A2APeer.root)/.build/mcp-\(sdk.rawValue)/bin/python"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    public static var available: Bool { SDK.allCases.allSatisfy { python($0) != nil } }

    /// The test server script.
    public static let script = "\(A2APeer.root)/Tests/MCPPeers/tools_server.py"

    /// Starts the server over streamable HTTP on a free port (JSON replies with `json`, else
    /// events) and waits until it listens; its `/mcp` URL and process id.
    public static func startHTTP(_ sdk: SDK, json: Bool, log: String) async throws -> (url: String, pid: pid_t) {
        guard let python = python(sdk) else { throw ProcessTimeout(message: "mcp \(sdk.rawValue) is not installed (scripts/install-mcp.sh)") }
        let port = try freePort()
        let pid = try PostgresTestCluster.spawn([python, script, "--http", "\(port)"] + (json ? ["--json"] : []), output: log)
        try await eventually(timeout: .seconds(90), "the MCP server listens on \(port)") {
            (try? RawSocket(port: port)) != nil
        }
        return ("http://127.0.0.1:\(port)/mcp", pid)
    }
}
