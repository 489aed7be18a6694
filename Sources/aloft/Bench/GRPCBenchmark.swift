import AloftCore
import AloftEngine
import AloftExecutionAPI
import AloftServer
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import Synchronization

/// The gRPC execution API under load, server and clients in this process over loopback HTTP/2:
/// how many executions `Create` starts per second (with `concurrency` calls at a time), and how
/// long an event takes from the moment the engine publishes it to the moment a `Subscribe`
/// client has read it (runs first pause on an approval so every subscriber is connected, then
/// stream `deltas` pieces `intervalMilliseconds` apart).
struct GRPCBenchmark: Sendable {
    var creates: Int
    var concurrency: Int
    var subscribers: Int
    var runs: Int
    var deltas: Int
    var intervalMilliseconds: Int

    struct Result: Sendable {
        var createSeconds: Double
        var createLatencies: [Double]
        var subscribeLatencies: [Double]
    }

    var quick: AgentDefinition {
        AgentDefinition(name: "quick", instructions: "Answer.", model: ModelSettings(provider: .scripted, name: "scripted", script: [ScriptedReply(text: "Done.")]))
    }

    var streamer: AgentDefinition {
        SSEBenchmark(clients: subscribers, runs: runs, deltas: deltas, intervalMilliseconds: intervalMilliseconds).agent
    }

    func run(folder: String) async throws -> Result {
        var logger = Logger(label: "bench-grpc")
        logger.logLevel = .critical
        let grpcPort = try SSEBenchmark.freePort()
        var configuration = ServerConfiguration(port: try SSEBenchmark.freePort(), database: (folder as NSString).appendingPathComponent("grpc.db"))
        configuration.grpcPort = grpcPort
        let (app, wiring) = try await buildApplication(configuration: configuration, engine: EngineConfiguration(environment: [:]), logger: logger)
        _ = try await wiring.agents.put(quick, at: Date())
        _ = try await wiring.agents.put(streamer, at: Date())
        return try await withThrowingTaskGroup(of: Void.self) { services in
            services.addTask { try await app.runService(gracefulShutdownSignals: []) }
            let transport = try HTTP2ClientTransport.Posix(target: .ipv4(address: "127.0.0.1", port: grpcPort), transportSecurity: .plaintext)
            let result = try await withGRPCClient(transport: transport) { client in
                let commands = Aloft_Execution_V1_AgentExecutionCommandService.Client(wrapping: client)
                let queries = Aloft_Execution_V1_AgentExecutionQueryService.Client(wrapping: client)
                try await Self.waitForServer(queries)
                let (seconds, latencies) = try await measureCreates(commands)
                let subscribeLatencies = try await measureSubscribe(commands: commands, queries: queries, engine: wiring.engine)
                return Result(createSeconds: seconds, createLatencies: latencies.sorted(), subscribeLatencies: subscribeLatencies.sorted())
            }
            services.cancelAll()
            return result
        }
    }

    static func execution(agent: String, message: String) -> Aloft_Execution_V1_AgentExecution {
        var execution = Aloft_Execution_V1_AgentExecution()
        execution.spec.agent = agent
        execution.spec.message = message
        return execution
    }

    static func waitForServer(_ queries: Aloft_Execution_V1_AgentExecutionQueryService.Client<HTTP2ClientTransport.Posix>) async throws {
        for _ in 0..<400 {
            if (try? await queries.list(Aloft_Execution_V1_ListRequest())) != nil { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw EngineError(code: .invalidInput, message: "the benchmark's gRPC server did not start")
    }

    /// `creates` Create calls, `concurrency` at a time; the wall time and each call's latency (ms).
    private func measureCreates(_ commands: Aloft_Execution_V1_AgentExecutionCommandService.Client<HTTP2ClientTransport.Posix>) async throws -> (Double, [Double]) {
        let clock = ContinuousClock()
        let next = SSEBenchmark.Tally()
        let total = creates
        let started = clock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var mine: [Double] = []
                    while true {
                        let index = next.value.add(1, ordering: .relaxed).oldValue
                        guard index < total else { return mine }
                        let begin = clock.now
                        _ = try await commands.create(Self.execution(agent: "quick", message: "n\(index)"))
                        mine.append(Self.milliseconds(clock.now - begin))
                    }
                }
            }
            return try await group.reduce(into: [Double]()) { $0 += $1 }
        }
        return (Self.milliseconds(clock.now - started) / 1000, latencies)
    }

    /// Subscribers spread over paused runs; each delta's publish-to-read time (ms).
    private func measureSubscribe(
        commands: Aloft_Execution_V1_AgentExecutionCommandService.Client<HTTP2ClientTransport.Posix>,
        queries: Aloft_Execution_V1_AgentExecutionQueryService.Client<HTTP2ClientTransport.Posix>, engine: LocalEngine
    ) async throws -> [Double] {
        var runIds: [String] = []
        for index in 0..<runs { runIds.append(try await commands.create(Self.execution(agent: "streamer", message: "stream #\(index)")).metadata.id) }
        for id in runIds {
            while try await engine.reader.run(id: id)?.phase != .waitingForApproval { try await Task.sleep(for: .milliseconds(5)) }
        }
        let clock = ContinuousClock()
        let published = SSEBenchmark.TimeStamps()
        let arrived = SSEBenchmark.TimeStamps()
        let connected = SSEBenchmark.Tally()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in runIds {
                let after = try await engine.reader.run(id: id)?.eventSeq ?? 0
                group.addTask {
                    for try await event in try await engine.events(runId: id, after: after) where event.kind == .runContent {
                        published.record("\(id)/\(event.seq)", at: clock.now)
                    }
                }
            }
            for index in 0..<subscribers {
                let id = runIds[index % runIds.count]
                group.addTask {
                    var request = Aloft_Execution_V1_SubscribeRequest()
                    request.id = id
                    try await queries.subscribe(request) { response in
                        for try await update in response.messages {
                            let now = clock.now
                            switch update.update {
                            case .snapshot: connected.value.add(1, ordering: .relaxed)
                            case .event(let event) where event.kind == "run_content": arrived.record("\(id)/\(event.sequence)#\(index)", at: now)
                            default: break
                            }
                        }
                    }
                }
            }
            while connected.value.load(ordering: .relaxed) < subscribers { try await Task.sleep(for: .milliseconds(20)) }
            try await Task.sleep(for: .milliseconds(300))
            for id in runIds {
                for approval in try await engine.reader.pendingApprovals(runId: id) {
                    try await engine.resolveApproval(runId: id, decision: ApprovalDecision(callId: approval.call.id, approved: true))
                }
            }
            try await group.waitForAll()
        }
        let starts = published.all()
        return arrived.all().compactMap { key, time in
            starts[String(key.split(separator: "#").first ?? "")].map { Self.milliseconds(time - $0) }
        }
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
