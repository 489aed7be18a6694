import AloftCore
import AloftEngine
import AloftTemporal
import ArgumentParser
import Foundation

/// `aloft bench`: the standard workload through the real engine and store, durability on.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark the engine: input → model (tool call) → tool → model (answer) → complete, per run.",
        discussion: "Prints one JSON line on standard output."
    )

    @Option(name: .long, help: "Runs one after another (latency).")
    var seq = 200

    @Option(name: .long, help: "Runs in flight at once (throughput).")
    var conc = 50

    @Option(name: .long, help: "Runs in all for the throughput phase.")
    var total = 5000

    @Option(name: .long, help: "Runs before measuring.")
    var warmup = 100

    @Option(name: .long, help: "Finished runs (with their sessions, messages and journal) stored before measuring, to show that a run costs the same in a full database.")
    var preload = 0

    @Option(name: .long, help: "Runs left waiting for approval after measuring, to show that waiting runs hold no memory (reported as \"parked\").")
    var parked = 0

    @Option(name: .long, help: "Folder for the benchmark database (a new temporary one by default).")
    var workdir: String?

    @Option(name: .long, help: "A PostgreSQL database to run on instead of a new SQLite file: postgres://user:password@host:5432/database (an empty one).")
    var store: String?

    @Option(name: .long, help: "power-cut (default) or process-crash.")
    var durability: String = Durability.powerCut.rawValue

    @Option(name: .long, help: "local (default) or temporal: runs executed by an 'aloft worker' this command starts, on Temporal (needs --store).")
    var engine = "local"

    @OptionGroup(title: "Temporal (with --engine temporal)")
    var temporal: TemporalOptions

    func validate() throws {
        guard seq >= 0, conc >= 1, total >= 0, warmup >= 0 else { throw ValidationError("counts must not be negative; --conc at least 1") }
        guard (0...10_000_000).contains(parked) else { throw ValidationError("--parked must be between 0 and 10000000") }
        guard (0...100_000_000).contains(preload), preload == 0 || warmup >= 1 else {
            throw ValidationError("--preload must be between 0 and 100000000, and needs --warmup of at least 1 (the run it copies)")
        }
        guard Durability(rawValue: durability) != nil else { throw ValidationError("--durability must be power-cut or process-crash") }
        guard ["local", "temporal"].contains(engine) else { throw ValidationError("--engine must be local or temporal") }
        if engine == "temporal" {
            guard store != nil else { throw ValidationError("--engine temporal needs --store postgres://… (the worker shares it)") }
            guard preload == 0 else { throw ValidationError("--preload is not available with --engine temporal") }
        }
        if let store {
            guard EngineStores.isShared(store) else { throw ValidationError("--store takes a postgres:// URL") }
            guard preload == 0 else { throw ValidationError("--preload is not available with --store yet") }
        }
    }

    func run() async throws {
        let folder = workdir ?? FileManager.default.temporaryDirectory.appendingPathComponent("aloft-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = (folder as NSString).appendingPathComponent("bench-\(UUID().uuidString.prefix(8)).db")
        let mode = Durability(rawValue: durability) ?? .powerCut
        let shared = self.store != nil
        let store: EngineStore
        do {
            store = try await EngineStores.open(self.store ?? path, durability: mode)
        } catch let error as StoreError {
            printError("error: \(error.message)")
            throw ExitCode(1)
        }
        let (seq, conc, total, warmup, preload, parked) = (seq, conc, total, warmup, preload, parked)
        let onTemporal = engine == "temporal"
        let measure: @Sendable (LocalEngine, _ worker: Int32?) async throws -> BenchResult = { engine, worker in
            for index in 0..<warmup { _ = try await BenchmarkWorkload.runOnce(engine, index: index) }
            if preload > 0, let finished = try await store.runs(RunQuery(phase: .completed, limit: 1)).first {
                try await store.preload(copiesOf: finished.id, count: preload, batch: 20_000)
            }
            try await store.checkpoint()
            let sizeBefore = store.sizeOnDisk()
            // CPU by process: this one (the engine, or the API side on Temporal), and those beside it here.
            let cpu: @Sendable () -> [String: Double] = {
                var cpu = [onTemporal ? "api" : shared ? "aloft" : "total": BenchmarkWorkload.cpuMilliseconds()]
                if shared { cpu["postgresql"] = BenchmarkWorkload.postgresCPUMilliseconds() }
                if let worker {
                    cpu["worker"] = BenchmarkWorkload.processCPUMilliseconds(pid: worker)
                    cpu["temporal_server"] = BenchmarkWorkload.processCPUMilliseconds { $0 == "temporal" }
                }
                return cpu
            }
            let cpuBefore = cpu()

            var sequential: [Double] = []
            for index in 0..<seq { sequential.append(try await BenchmarkWorkload.runOnce(engine, index: index)) }

            let clock = ContinuousClock()
            let started = clock.now
            let concurrent = try await Self.inParallel(total, conc) { index in try await BenchmarkWorkload.runOnce(engine, index: index) }
            let wall = clock.now - started
            let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
            let cpuAfter = cpu()
            try await store.checkpoint()
            let measured = seq + total
            var result = BenchResult(
                sequential: sequential.sorted(), concurrent: concurrent.sorted(), wallSeconds: wallSeconds,
                cpuPerRun: cpuAfter.reduce(into: [:]) { per, entry in
                    per[entry.key] = measured > 0 ? (entry.value - (cpuBefore[entry.key] ?? 0)) / Double(measured) : 0
                },
                bytesPerRun: measured > 0 ? Double(store.sizeOnDisk() - sizeBefore) / Double(measured) : 0
            )
            if let worker { result.workerPeakRSS = BenchmarkWorkload.peakRSSMegabytes(pid: worker) }
            if parked > 0 {
                let before = BenchmarkWorkload.residentMegabytes()
                let parkedStarted = clock.now
                _ = try await Self.inParallel(parked, conc) { index in try await BenchmarkWorkload.parkOnce(engine, index: index) }
                let elapsed = clock.now - parkedStarted
                result.parked = (
                    before, BenchmarkWorkload.residentMegabytes(),
                    Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                )
            }
            return result
        }
        var result: BenchResult?
        var historyBytes: Double?
        if onTemporal, let url = self.store {
            let endpoint = try temporal.endpoint()
            var workerArguments = ["--temporal", "\(endpoint.host):\(endpoint.port)", "--namespace", endpoint.namespace]
            if endpoint.tls { workerArguments.append("--temporal-tls") }
            (result, historyBytes) = try await TemporalBenchmarkHost.withEngine(
                store: store, storeURL: url, endpoint: endpoint, workerArguments: workerArguments
            ) { engine, worker, client in
                let result = try await measure(engine, worker)
                return (result, try await Self.historyBytesPerRun(store: store, client: client))
            }
        } else {
            result = try await EngineHost.withEngine(store: store, configuration: BenchmarkWorkload.configuration, verbose: false) { engine in
                try await measure(engine, nil)
            }
        }
        guard let result else {
            printError("error: the benchmark database is in use")
            throw ExitCode(2)
        }
        let p = BenchmarkWorkload.percentile
        let output: JSONValue = [
            "system": "aloft",
            "config": [
                "seq": .number(Double(seq)), "conc": .number(Double(conc)), "total": .number(Double(total)), "warmup": .number(Double(warmup)),
                "preload": .number(Double(preload)),
                "workload": "input → model(tool call lookup) → tool → model(answer) → complete",
                "engine": .string(engine), "store": shared ? "postgresql" : "sqlite-wal", "cores": .number(Double(ProcessInfo.processInfo.activeProcessorCount)),
                "worker": onTemporal ? "a separate aloft worker process on this machine" : .null,
            ],
            "seq": [
                "runs": .number(Double(result.sequential.count)), "p50_ms": .number(round3(p(result.sequential, 50))),
                "p90_ms": .number(round3(p(result.sequential, 90))), "p99_ms": .number(round3(p(result.sequential, 99))),
            ],
            "conc": [
                "concurrency": .number(Double(conc)), "runs": .number(Double(result.concurrent.count)),
                "wall_s": .number(round3(result.wallSeconds)),
                "runs_per_s": .number(round3(result.wallSeconds > 0 ? Double(result.concurrent.count) / result.wallSeconds : 0)),
                "p50_ms": .number(round3(p(result.concurrent, 50))), "p99_ms": .number(round3(p(result.concurrent, 99))),
            ],
            "cpu_ms_per_run": .object(result.cpuPerRun.mapValues { .number(round3($0)) }),
            "history_bytes_per_run": historyBytes.map { .number(round3($0)) } ?? .null,
            "parked": result.parked.map { parked in
                [
                    "runs": .number(Double(self.parked)), "rss_mb_before": .number(round3(parked.rssBefore)),
                    "rss_mb_after": .number(round3(parked.rssAfter)), "seconds": .number(round3(parked.seconds)),
                ]
            } ?? .null,
            "rss_peak_mb": result.workerPeakRSS.map { worker in
                ["api": .number(round3(BenchmarkWorkload.peakRSSMegabytes())), "worker": .number(round3(worker))]
            } ?? ["total": .number(round3(BenchmarkWorkload.peakRSSMegabytes()))],
            "storage": shared ? .null : ["bytes_per_run": .number(round3(result.bytesPerRun))],
            "durability": .string(
                shared
                    ? "PostgreSQL's settings (by default synchronous_commit=on, fsync on: a commit is on disk when it returns)"
                    : mode == .powerCut
                    ? "power-cut: SQLite WAL, synchronous=FULL, fsync per commit group"
                    : "process-crash: SQLite WAL, synchronous=NORMAL, no fsync per commit"
            ),
        ]
        write(output.jsonText() + "\n")
        if workdir == nil { try? FileManager.default.removeItem(atPath: folder) }
    }

    private func round3(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }

    /// The mean size of a completed run's workflow history, over up to 50 of the last runs.
    private static func historyBytesPerRun(store: EngineStore, client: TemporalRunClient) async throws -> Double {
        var sizes: [Int64] = []
        for run in try await store.runs(RunQuery(phase: .completed, limit: 50)) { sizes.append(try await client.historySize(runId: run.id).bytes) }
        return sizes.isEmpty ? 0 : Double(sizes.reduce(0, +)) / Double(sizes.count)
    }

    /// Runs `body` for indexes 0..<count, `width` at a time; returns what each gave.
    private static func inParallel(
        _ count: Int, _ width: Int, _ body: @escaping @Sendable (Int) async throws -> Double
    ) async throws -> [Double] {
        try await withThrowingTaskGroup(of: [Double].self) { group in
            let next = NextIndex(limit: count)
            for _ in 0..<min(width, max(count, 1)) {
                group.addTask {
                    var values: [Double] = []
                    while let index = next.take() { values.append(try await body(index)) }
                    return values
                }
            }
            return try await group.reduce(into: [Double]()) { $0 += $1 }
        }
    }
}

struct BenchResult: Sendable {
    var sequential: [Double]
    var concurrent: [Double]
    var wallSeconds: Double
    /// CPU per run by process (this one; PostgreSQL's, the worker's and Temporal's when they run here).
    var cpuPerRun: [String: Double]
    var bytesPerRun: Double
    /// The worker's peak resident memory, in MiB, on Temporal.
    var workerPeakRSS: Double?
    /// Resident memory before and after parking runs, and how long parking took.
    var parked: (rssBefore: Double, rssAfter: Double, seconds: Double)?
}

/// Hands out run numbers to the concurrent workers.
final class NextIndex: Sendable {
    private let state: Mutex<Int>
    private let limit: Int

    init(limit: Int) {
        self.state = Mutex(0)
        self.limit = limit
    }

    func take() -> Int? {
        state.withLock { next in
            guard next < limit else { return nil }
            defer { next += 1 }
            return next
        }
    }
}

import Synchronization
