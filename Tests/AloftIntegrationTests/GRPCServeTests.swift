import AloftExecutionAPI
import AloftTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
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

extension GRPCServeTests {
    @Test("SIGTERM while a subscription streams: it ends with UNAVAILABLE and the number to resume after, and the server exits cleanly")
    func shutdownEndsSubscriptions() async throws {
        let folder = try temporaryFolder()
        try writeTalker(to: "\(try agentsFolder(in: folder))/talker.yaml", words: 2000, delay: 20)
        let grpcPort = try freePort()
        let server = try await ServerProcess.start(in: folder, extra: ["--grpc-port", "\(grpcPort)"])
        defer { server.process.kill() }
        let transport = try HTTP2ClientTransport.Posix(target: .ipv4(address: "127.0.0.1", port: grpcPort), transportSecurity: .plaintext)
        try await withGRPCClient(transport: transport) { client in
            let commands = Aloft_Execution_V1_AgentExecutionCommandService.Client(wrapping: client)
            let queries = Aloft_Execution_V1_AgentExecutionQueryService.Client(wrapping: client)
            var execution = Aloft_Execution_V1_AgentExecution()
            execution.spec.agent = "talker"
            execution.spec.message = "talk"
            let id = try await commands.create(execution).metadata.id
            var request = Aloft_Execution_V1_SubscribeRequest()
            request.id = id
            let outcome: (events: Int, error: RPCError?) = try await queries.subscribe(request) { response in
                var events = 0
                do {
                    for try await update in response.messages {
                        if case .event = update.update { events += 1 }
                        if events == 5 { server.process.signal(SIGTERM) }
                    }
                    return (events, nil)
                } catch let error as RPCError {
                    return (events, error)
                }
            }
            #expect(outcome.events >= 5 && outcome.error?.code == .unavailable, "\(outcome)")
            #expect(outcome.error?.message.contains("after_sequence") == true, "\(String(describing: outcome.error))")
        }
        #expect(try await server.process.wait(timeout: .seconds(30)) == 0, "\(server.process.stderr.suffix(2000))")
    }
}
