import AloftTemporal
import AloftTemporalAPI
import AloftTestSupport
import Foundation
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
                _ = try await connection.service.pollWorkflowTaskQueue(request, options: TemporalConnection.longPoll)
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

    @Test("addresses are checked before connecting", arguments: ["", ":7233", "host:0", "host:70000", "host:port", "http://host:7233"])
    func badAddresses(address: String) {
        #expect(throws: TemporalError.self) { try TemporalEndpoint(address: address) }
    }
}
