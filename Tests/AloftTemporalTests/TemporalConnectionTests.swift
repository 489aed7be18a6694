import AloftTemporal
import AloftTemporalAPI
import AloftTestSupport
import Foundation
import GRPCCore
import Testing

@Suite("Temporal connection", .enabled(if: TemporalDevServer.available, "\(TemporalDevServer.unavailableReason ?? "")"))
struct TemporalConnectionTests {
    @Test("1,000 calls on one connection to a real Temporal server: its PINGs are answered and the connection stays up")
    func manyCallsOneConnection() async throws {
        let server = try await TemporalDevServer.shared()
        let connection = try TemporalConnection(try TemporalEndpoint(address: server.address))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await connection.run() }
            var request = Temporal_Api_Workflowservice_V1_DescribeNamespaceRequest()
            request.namespace = "default"
            for number in 1...1_000 {
                let answer = try await connection.service.describeNamespace(request)
                if number == 1 { #expect(answer.namespaceInfo.name == "default") }
            }
            // swift-nio-http2 would close the connection after 200 PINGs in 30 s.
            #expect(connection.pingsAnswered > 200, "the server pinged: \(connection.pingsAnswered) answered")
            #expect(connection.connectionsOpened == 1, "never closed and opened again (retries would hide it)")
            connection.close()
            try await group.waitForAll()
        }
    }

    @Test("a long poll under way when the Temporal server dies fails at once (it is polled again by the worker), not after its minute")
    func pollFailsWhenServerDies() async throws {
        let own = try await TemporalDevServer.OwnServer.start()
        let connection = try TemporalConnection(try TemporalEndpoint(address: own.server.address))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await connection.run() }
            let clock = ContinuousClock()
            let polled = Task {
                var request = Temporal_Api_Workflowservice_V1_PollWorkflowTaskQueueRequest()
                request.namespace = "default"
                request.taskQueue.name = "nothing-here"
                _ = try await connection.service.pollWorkflowTaskQueue(request, metadata: TemporalConnection.longPoll)
            }
            try await Task.sleep(for: .seconds(1))
            let killed = clock.now
            try await own.stop()
            let outcome = await Task {
                try await withThrowingTaskGroup(of: Bool.self) { race in
                    race.addTask { (try? await polled.value) == nil }
                    race.addTask {
                        try await Task.sleep(for: .seconds(20))
                        return false
                    }
                    defer { race.cancelAll() }
                    return try await race.next() ?? false
                }
            }.result
            #expect((try? outcome.get()) == true, "the poll failed within 20 s of the server's death (it hung \(clock.now - killed))")
            polled.cancel()
            connection.close()
            group.cancelAll()
        }
    }

    @Test("a call while Temporal is down is made again with backoff before it fails with `unavailable`")
    func callsRetriedWhileUnavailable() async throws {
        let own = try await TemporalDevServer.OwnServer.start()
        let connection = try TemporalConnection(try TemporalEndpoint(address: own.server.address))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await connection.run() }
            var request = Temporal_Api_Workflowservice_V1_DescribeNamespaceRequest()
            request.namespace = "default"
            _ = try await connection.call { try await $0.describeNamespace(request) }
            try await own.stop()
            // Every attempt is refused at once, so the time is the backoff's: 0.2 + 0.4 + 0.8 +
            // 1.6 s, ±20 % (one attempt alone fails within milliseconds).
            let clock = ContinuousClock()
            let began = clock.now
            var code: RPCError.Code?
            do {
                _ = try await connection.call { try await $0.describeNamespace(request) }
            } catch let error as RPCError {
                code = error.code
            }
            let waited = clock.now - began
            #expect(code == .unavailable)
            #expect(waited > .seconds(2.3) && waited < .seconds(10), "retried with backoff for \(waited)")
            connection.close()
            group.cancelAll()
        }
    }

    @Test("addresses are checked before connecting", arguments: ["", ":7233", "host:0", "host:70000", "host:port", "http://host:7233"])
    func badAddresses(address: String) {
        #expect(throws: TemporalError.self) { try TemporalEndpoint(address: address) }
    }
}
