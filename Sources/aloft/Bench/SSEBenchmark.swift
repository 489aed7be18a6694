import AloftCore
import AloftEngine
import AloftLLM
import AloftServer
import AloftTools
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Many SSE clients on live runs: how long a model delta takes from the moment the engine
/// publishes it to the moment a client has read it over HTTP.
///
/// Each run first pauses on an approval, so every client is connected before the deltas
/// start; then all runs are approved and stream `deltas` pieces `intervalMilliseconds` apart.
/// An in-process subscriber stamps each event's publish time; clients stamp arrival.
struct SSEBenchmark {
    var clients: Int
    var runs: Int
    var deltas: Int
    var intervalMilliseconds: Int

    struct Result: Sendable {
        var latencies: [Double]
        var events: Int
        var rssBeforeMegabytes: Double
        var rssHoldingMegabytes: Double
    }

    var agent: AgentDefinition {
        AgentDefinition(
            name: "streamer", instructions: "Stream.",
            model: ModelSettings(
                provider: .scripted, name: "scripted",
                script: [
                    ScriptedReply(toolCalls: [.init(name: "current_time")]),
                    ScriptedReply(text: (1...deltas).map { "d\($0)" }.joined(separator: " "), chunkDelayMilliseconds: intervalMilliseconds),
                ]
            ),
            tools: [ToolSpec(builtin: "current_time")], policies: AgentPolicies(requireApproval: ["current_time"])
        )
    }

    func run(folder: String) async throws -> Result {
        var logger = Logger(label: "bench-sse")
        logger.logLevel = .critical
        let port = try Self.freePort()
        let (app, wiring) = try await buildApplication(
            configuration: ServerConfiguration(port: port, database: (folder as NSString).appendingPathComponent("sse.db"), heartbeatSeconds: 15),
            engine: EngineConfiguration(environment: [:]), logger: logger
        )
        let engine = wiring.engine
        _ = try await wiring.agents.put(agent, at: Date())
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = clients + 10
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: clientConfiguration)
        do {
            let result = try await withThrowingTaskGroup(of: Void.self) { services in
                services.addTask { try await app.runService(gracefulShutdownSignals: []) }
                try await Self.waitForServer(client: client, port: port)
                let result = try await measure(engine: engine, store: engine.reader, client: client, port: port)
                services.cancelAll()
                return result
            }
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func measure(engine: LocalEngine, store: any RunReader, client: HTTPClient, port: Int) async throws -> Result {
        var runIds: [String] = []
        for index in 0..<runs {
            runIds.append(try await engine.start(StartRunRequest(agent: agent, input: "stream #\(index)")).id)
        }
        var pausedAt: [String: Int] = [:]
        for id in runIds {
            while true {
                if let run = try await store.run(id: id), run.phase == .waitingForApproval {
                    pausedAt[id] = run.eventSeq
                    break
                }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        let rssBefore = Self.currentRSSMegabytes()
        let published = TimeStamps()
        let arrived = TimeStamps()
        let connected = Tally()
        let holding = Tally()
        let clock = ContinuousClock()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in runIds {
                let after = pausedAt[id] ?? 0
                group.addTask {
                    for try await event in try await engine.events(runId: id, after: after) where event.kind == .runContent {
                        published.record("\(id)/\(event.seq)", at: clock.now)
                    }
                }
            }
            for index in 0..<clients {
                let id = runIds[index % runIds.count]
                let after = pausedAt[id] ?? 0
                group.addTask {
                    try await Self.follow(client: client, port: port, runId: id, after: after, client: index, arrived: arrived) {
                        connected.value.add(1, ordering: .relaxed)
                    }
                }
            }
            while connected.value.load(ordering: .relaxed) < clients { try await Task.sleep(for: .milliseconds(20)) }
            try await Task.sleep(for: .milliseconds(300))
            for id in runIds {
                for approval in try await store.pendingApprovals(runId: id) {
                    try await engine.resolveApproval(runId: id, decision: ApprovalDecision(callId: approval.call.id, approved: true))
                }
            }
            try await Task.sleep(for: .milliseconds(Int64(deltas * intervalMilliseconds / 2)))
            holding.value.store(Int(Self.currentRSSMegabytes() * 1000), ordering: .relaxed)
            try await group.waitForAll()
        }
        let starts = published.all()
        var latencies: [Double] = []
        for (key, time) in arrived.all() {
            let event = String(key.split(separator: "#").first ?? "")
            guard let start = starts[event] else { continue }
            let elapsed = time - start
            latencies.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        }
        return Result(
            latencies: latencies.sorted(), events: latencies.count, rssBeforeMegabytes: rssBefore,
            rssHoldingMegabytes: Double(holding.value.load(ordering: .relaxed)) / 1000
        )
    }

    /// One SSE client: reads the run's events from `after` on and stamps each delta's arrival.
    static func follow(
        client: HTTPClient, port: Int, runId: String, after: Int, client number: Int, arrived: TimeStamps, onConnect: @Sendable () -> Void
    ) async throws {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/runs/\(runId)/events")
        request.headers.add(name: "Last-Event-ID", value: String(after))
        let response = try await client.execute(request, timeout: .seconds(600))
        onConnect()
        var parser = ServerSentEventParser()
        let clock = ContinuousClock()
        for try await chunk in response.body {
            let now = clock.now
            for event in try parser.feed(chunk.readableBytesView) {
                if event.event == "run_content", let id = event.id {
                    arrived.record("\(runId)/\(id)#\(number)", at: now)
                }
                if event.event == "run_completed" || event.event == "run_failed" || event.event == "run_cancelled" { return }
            }
        }
    }

    static func waitForServer(client: HTTPClient, port: Int) async throws {
        for _ in 0..<200 {
            if let response = try? await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(1)),
                response.status == .ok
            {
                return
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw EngineError(code: .invalidInput, message: "the benchmark server did not start")
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A number shared by many tasks.
    final class Tally: Sendable {
        let value = Atomic<Int>(0)
    }

    /// Times by key, shared by many tasks.
    final class TimeStamps: Sendable {
        private let stamps = Mutex<[String: ContinuousClock.Instant]>([:])

        func record(_ key: String, at time: ContinuousClock.Instant) {
            stamps.withLock { $0[key] = time }
        }

        func all() -> [String: ContinuousClock.Instant] {
            stamps.withLock { $0 }
        }
    }

    /// Resident memory now (not the peak), in MiB.
    static func currentRSSMegabytes() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let pages = text.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }
}
