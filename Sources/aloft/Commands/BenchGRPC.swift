import AloftCore
import ArgumentParser
import Foundation

/// `aloft bench-grpc`: executions created per second and Subscribe latency over the gRPC API.
struct BenchGRPC: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-grpc",
        abstract: "Benchmark the gRPC execution API: Create throughput, and Subscribe latency from engine event to client.",
        discussion: "Prints one JSON line. Server and clients share this process (and its cores), over loopback HTTP/2, on SQLite."
    )

    @Option(name: .long, help: "Create calls in all.")
    var creates = 2000

    @Option(name: .long, help: "Create calls at a time.")
    var concurrency = 32

    // One client connection carries them all, and HTTP/2 servers take 100 streams at a time on one.
    @Option(name: .long, help: "Subscribers in all (at most 100: they share one HTTP/2 connection).")
    var subscribers = 100

    @Option(name: .long, help: "Runs streaming at once (subscribers are spread over them).")
    var runs = 10

    @Option(name: .long, help: "Deltas each run streams.")
    var deltas = 100

    @Option(name: .long, help: "Milliseconds between deltas.")
    var intervalMs = 20

    func validate() throws {
        guard creates >= 1, (1...1000).contains(concurrency), (1...100).contains(subscribers), runs >= 1, runs <= subscribers, deltas >= 1, intervalMs >= 0
        else {
            throw ValidationError("need creates ≥ 1, concurrency 1…1000, 100 ≥ subscribers ≥ runs ≥ 1, deltas ≥ 1, interval-ms ≥ 0")
        }
    }

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aloft-bench-grpc-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let benchmark = GRPCBenchmark(creates: creates, concurrency: concurrency, subscribers: subscribers, runs: runs, deltas: deltas, intervalMilliseconds: intervalMs)
        let result = try await benchmark.run(folder: folder)
        let p = BenchmarkWorkload.percentile
        let round: (Double) -> JSONValue = { .number(($0 * 1000).rounded() / 1000) }
        func summary(_ values: [Double]) -> JSONValue {
            ["p50": round(p(values, 50)), "p90": round(p(values, 90)), "p99": round(p(values, 99)), "max": round(values.last ?? 0)]
        }
        let output: JSONValue = [
            "system": "aloft", "benchmark": "grpc",
            "config": [
                "creates": .number(Double(creates)), "concurrency": .number(Double(concurrency)), "subscribers": .number(Double(subscribers)),
                "runs": .number(Double(runs)), "deltas": .number(Double(deltas)), "interval_ms": .number(Double(intervalMs)),
            ],
            "creates_per_second": round(Double(creates) / max(result.createSeconds, 0.000_001)),
            "create_latency_ms": summary(result.createLatencies),
            "subscribe_deltas_received": .number(Double(result.subscribeLatencies.count)),
            "subscribe_deltas_expected": .number(Double(subscribers * deltas)),
            "subscribe_latency_ms": summary(result.subscribeLatencies),
        ]
        write(output.jsonText() + "\n")
    }
}
