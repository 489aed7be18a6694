import AloftTestSupport
import Foundation
import Testing

/// `aloft serve --grpc-port` driven by a client in another language: Python's grpcio with
/// stubs generated from the repo's .proto files, over a real HTTP/2 connection.
@Suite("The gRPC API of aloft serve", .enabled(if: GRPCPeer.available, "\(GRPCPeer.unavailableReason ?? "")"))
struct GRPCServeTests {
    @Test("a Python grpcio client creates, lists, subscribes twice to a run that needs approval, resumes, sends hostile messages and deletes")
    func pythonClient() async throws {
        let folder = try temporaryFolder()
        try FileManager.default.copyItem(atPath: "\(CommandLineTests.examples)/approval-demo.yaml", toPath: "\(try agentsFolder(in: folder))/approval-demo.yaml")
        let key = "grpc-test-key-0123456789"
        let grpcPort = try freePort()
        let server = try await ServerProcess.start(in: folder, extra: ["--grpc-port", "\(grpcPort)", "--api-key", key])
        defer { server.process.kill() }
        #expect(server.process.stderr.contains("gRPC API on 127.0.0.1:\(grpcPort)"), "\(server.process.stderr)")
        let (status, output) = try await GRPCPeer.run(script: "execution_client.py", ["127.0.0.1:\(grpcPort)", server.base, key, "approval-demo"])
        #expect(status == 0 && output.contains("all checks passed"), "\(output)")
        // Hostile input took nothing down: the server still answers, and stops cleanly.
        #expect(try await http("GET", "\(server.base)/healthz").status == 200)
        server.process.signal(SIGTERM)
        #expect(try await server.process.wait(timeout: .seconds(30)) == 0, "\(server.process.stderr.suffix(2000))")
    }
}
