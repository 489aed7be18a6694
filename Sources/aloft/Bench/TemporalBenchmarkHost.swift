import AloftCore
import AloftEngine
import AloftTemporal
import ArgumentParser
import Foundation
import Logging

/// The benchmark on Temporal: this process is the API side (runs recorded in PostgreSQL,
/// handed to Temporal by the command relay, events followed through the store's notices), and
/// an `aloft worker` of its own, a separate process, executes the runs — so that the worker's
/// CPU and memory are its own.
enum TemporalBenchmarkHost {
    static func withEngine<Result: Sendable>(
        store: EngineStore, storeURL: String, endpoint: TemporalEndpoint, workerArguments: [String],
        _ body: @Sendable (LocalEngine, _ worker: Int32, _ client: TemporalRunClient) async throws -> Result
    ) async throws -> Result {
        var logger = Logger(label: "aloft-bench")
        logger.logLevel = .critical
        guard let notices = store as? any StoreNotices else { throw ValidationError("--engine temporal needs --store postgres://…") }
        let taskQueue = "bench-\(UUID().uuidString.prefix(8))"
        let relay = try TemporalCommandRelay(endpoint: endpoint, taskQueue: taskQueue, identity: "aloft-bench", store: store, logger: logger)
        var configuration = BenchmarkWorkload.configuration
        configuration.commandRecorded = { _ in relay.wake() }
        let bus = SharedRunEventBus(notices: notices, reader: store, logger: logger)
        let engine = LocalEngine(store: store, configuration: configuration, bus: bus, standingBy: true, logger: logger)

        let worker = Process()
        worker.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        worker.arguments = ["worker", "--store", storeURL, "--task-queue", taskQueue, "--benchmark-tools"] + workerArguments
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("aloft-bench-worker-\(taskQueue).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        worker.standardError = try FileHandle(forWritingTo: log)
        worker.standardOutput = FileHandle.nullDevice
        try worker.run()
        defer {
            if worker.isRunning { worker.terminate() }
            try? FileManager.default.removeItem(at: log)
        }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await bus.run() }
            group.addTask { try await relay.run() }
            defer { group.cancelAll() }
            do {
                return try await body(engine, worker.processIdentifier, relay.client)
            } catch {
                let said = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                if !said.isEmpty { printError("the benchmark's worker said:\n\(said.suffix(2000))") }
                throw error
            }
        }
    }
}
