import AloftCore
import AloftTestSupport
import Foundation
import Testing

/// A2A as clients of other frameworks use it: `aloft serve` driven by the official SDK clients
/// (a2a-sdk 1.3.0 over protocol 1.0 and over its 0.3 compat transport, a2a-sdk 0.3.26), each
/// a real Python process doing send, stream, get, list, cancel, resubscribe with a resume
/// cursor, the approval round trip and the error codes (Tests/A2APeers).
@Suite("A2A with the official SDKs", .serialized, .timeLimit(.minutes(5)), .enabled(if: A2APeer.available, "\(A2APeer.unavailableReason ?? "")"))
struct A2AServeTests {
    static let key = "a2a-test-key-0123456789"
    static let checks13 = ["card", "send blocking", "send repeated message id", "get", "stream", "cancel", "resubscribe", "approval round trip", "errors"]

    @Test("a2a-sdk 1.3.0 (protocol 1.0 and 0.3) and a2a-sdk 0.3.26 against the embedded engine, with an API key")
    func embedded() async throws {
        let folder = try temporaryFolder()
        try writeA2APeerAgents(in: try agentsFolder(in: folder))
        let server = try await ServerProcess.start(in: folder, environment: ["ALOFT_API_KEYS": Self.key])
        defer { server.process.kill() }
        try await Self.drive(server.base)
    }

    /// Runs every peer against the server at `base`, each check expected.
    static func drive(_ base: String, key: String = key) async throws {
        let v1 = try await A2APeer.run(.v1_3, script: "peer_1_3.py", ["\(base)/a2a", key, "1.0"])
        #expect(v1.status == 0, "\(v1.output)")
        for check in checks13 + ["list"] { #expect(v1.output.contains("ok \(check)\n"), "1.0: \(check) — \(v1.output)") }
        let compat = try await A2APeer.run(.v1_3, script: "peer_1_3.py", ["\(base)/a2a", key, "0.3"])
        #expect(compat.status == 0, "\(compat.output)")
        for check in checks13 { #expect(compat.output.contains("ok \(check)\n"), "0.3 compat: \(check) — \(compat.output)") }
        let v03 = try await A2APeer.run(.v0_3, script: "peer_0_3.py", ["\(base)/a2a", key])
        #expect(v03.status == 0, "\(v03.output)")
        for check in checks13 { #expect(v03.output.contains("ok \(check)\n"), "0.3.26: \(check) — \(v03.output)") }
    }
}

/// The agents the A2A peer scripts expect: `greeter` (a short streamed answer), `slow` (20
/// words 150 ms apart) and `guarded` (a tool call that needs approval).
func writeA2APeerAgents(in agents: String) throws {
    try """
        name: greeter
        description: Greets, streamed word by word.
        model:
          provider: scripted
          script:
            - text: "Hello from Aloft over A2A, streamed word by word."
              chunk_delay_ms: 10
        """.write(toFile: "\(agents)/greeter.yaml", atomically: true, encoding: .utf8)
    try """
        name: slow
        model:
          provider: scripted
          script:
            - text: "\((1...20).map { "w\($0)" }.joined(separator: " "))"
              chunk_delay_ms: 150
        """.write(toFile: "\(agents)/slow.yaml", atomically: true, encoding: .utf8)
    try """
        name: guarded
        model:
          provider: scripted
          script:
            - text: "Let me look. "
              tool_calls:
                - name: current_time
                  arguments: {}
            - text: "Done, as you decided."
        policies:
          require_approval: [current_time]
        tools:
          - builtin: current_time
        """.write(toFile: "\(agents)/guarded.yaml", atomically: true, encoding: .utf8)
}
