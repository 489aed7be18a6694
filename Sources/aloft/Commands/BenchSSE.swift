import AloftCore
import ArgumentParser
import Foundation

/// `aloft bench-sse`: many SSE clients on live runs; latency from publish to client, and memory.
struct BenchSSE: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-sse",
        abstract: "Benchmark live event streams: N SSE clients over HTTP on running runs.",
        discussion: "Prints one JSON line. Server and clients share this process (and its 2 cores); memory is of both."
    )

    @Option(name: .long, help: "SSE clients in all.")
    var clients = 1000

    @Option(name: .long, help: "Runs streaming at once (clients are spread over them).")
    var runs = 100

    @Option(name: .long, help: "Deltas each run streams.")
    var deltas = 100

    @Option(name: .long, help: "Milliseconds between deltas.")
    var intervalMs = 20

    func validate() throws {
        guard clients >= 1, runs >= 1, runs <= clients, deltas >= 1, intervalMs >= 0 else {
            throw ValidationError("need clients ≥ runs ≥ 1, deltas ≥ 1, interval-ms ≥ 0")
        }
    }

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aloft-bench-sse-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let benchmark = SSEBenchmark(clients: clients, runs: runs, deltas: deltas, intervalMilliseconds: intervalMs)
        let result = try await benchmark.run(folder: folder)
        let p = BenchmarkWorkload.percentile
        let round: (Double) -> JSONValue = { .number(($0 * 1000).rounded() / 1000) }
        let output: JSONValue = [
            "system": "aloft", "benchmark": "sse",
            "config": ["clients": .number(Double(clients)), "runs": .number(Double(runs)), "deltas": .number(Double(deltas)), "interval_ms": .number(Double(intervalMs))],
            "deltas_received": .number(Double(result.events)),
            "deltas_expected": .number(Double(clients * deltas)),
            "latency_ms": ["p50": round(p(result.latencies, 50)), "p90": round(p(result.latencies, 90)), "p99": round(p(result.latencies, 99)), "max": round(result.latencies.last ?? 0)],
            "rss_mb": ["before_clients": round(result.rssBeforeMegabytes), "holding_clients": round(result.rssHoldingMegabytes)],
        ]
        write(output.jsonText() + "\n")
    }
}
