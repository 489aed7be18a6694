import AloftCore
import AloftEngine
import AloftTools
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The standard workload: each run records its input, a model step (scripted) that calls
/// `lookup`, the tool step (instant, small JSON), a model step with the final answer, and
/// completes — through the real engine and store.
enum BenchmarkWorkload {
    static let agent = AgentDefinition(
        name: "bench",
        instructions: "Answer with the product's price.",
        model: ModelSettings(
            provider: .scripted, name: "scripted",
            script: [
                ScriptedReply(toolCalls: [.init(name: "lookup", arguments: ["sku": "W-42"])]),
                ScriptedReply(text: "Widget W-42 costs 9.50 EUR."),
            ]
        ),
        tools: [ToolSpec(builtin: "lookup")]
    )

    /// The standard agent with `lookup` needing a person's approval: its runs park.
    static let approvalAgent: AgentDefinition = {
        var parked = BenchmarkWorkload.agent
        parked.name = "bench-approval"
        parked.policies.requireApproval = ["lookup"]
        return parked
    }()

    /// Starts a run that waits for approval; returns once it is parked.
    static func parkOnce(_ engine: LocalEngine, index: Int) async throws -> Double {
        let run = try await engine.start(StartRunRequest(agent: approvalAgent, input: "What does W-42 cost? (parked #\(index))"))
        for try await event in try await engine.events(runId: run.id) where event.kind == .runPaused || event.kind.isTerminal {
            guard event.kind == .runPaused else { break }
            return 0
        }
        throw EngineError(code: .runFinished, message: "benchmark run \(run.id) did not wait for approval")
    }

    /// `lookup`: an instant tool returning a small JSON document.
    struct LookupTool: Tool {
        var definition: ToolDefinition {
            ToolDefinition(
                name: "lookup", description: "Looks a product up by SKU.",
                parameters: ["type": "object", "properties": ["sku": ["type": "string"]], "required": ["sku"]]
            )
        }

        func call(_ arguments: JSONValue, context: ToolCallContext) async throws -> String {
            #"{"sku":"W-42","name":"Widget","price":9.5,"currency":"EUR"}"#
        }
    }

    static var configuration: EngineConfiguration {
        var builtins = Toolbox.standardBuiltins
        builtins["lookup"] = { _, _ in LookupTool() }
        return EngineConfiguration(environment: [:], builtins: builtins)
    }

    /// Runs one run to its end; returns its latency in milliseconds.
    static func runOnce(_ engine: LocalEngine, index: Int) async throws -> Double {
        let clock = ContinuousClock()
        let started = clock.now
        let run = try await engine.start(StartRunRequest(agent: agent, input: "What does W-42 cost? (#\(index))"))
        var completed = false
        for try await event in try await engine.events(runId: run.id) where event.kind.isTerminal {
            completed = event.kind == .runCompleted
        }
        guard completed else { throw EngineError(code: .runFinished, message: "benchmark run \(run.id) did not complete") }
        let elapsed = clock.now - started
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }

    /// CPU time (user + system) of this process, in milliseconds.
    static func cpuMilliseconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func ms(_ time: timeval) -> Double { Double(time.tv_sec) * 1000 + Double(time.tv_usec) / 1000 }
        return ms(usage.ru_utime) + ms(usage.ru_stime)
    }

    /// CPU time of this machine's PostgreSQL server processes (`/proc/*/stat` of processes named
    /// `postgres`), in milliseconds: the database's own cost, when it runs here.
    static func postgresCPUMilliseconds() -> Double { processCPUMilliseconds { $0 == "postgres" } }

    /// CPU time of this machine's processes whose name `matches`, or of process `pid`, in
    /// milliseconds (`/proc/*/stat`).
    static func processCPUMilliseconds(pid: Int32? = nil, matches: (Substring) -> Bool = { _ in true }) -> Double {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var total = 0.0
        let entries = pid.map { ["\($0)"] } ?? ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [])
        for entry in entries where entry.allSatisfy(\.isNumber) {
            guard let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")"),
                matches(stat[stat.index(after: open)..<close])
            else { continue }
            // After the name: state is field 3; utime and stime are fields 14 and 15.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            total += (user + system) / ticks * 1000
        }
        return total
    }

    /// Peak resident memory of process `pid`, in MiB (`VmHWM` of `/proc/PID/status`).
    static func peakRSSMegabytes(pid: Int32) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return 0 }
        return kilobytes / 1024
    }

    /// Resident memory of this process now, in MiB (`/proc/self/statm`).
    static func residentMegabytes() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let pages = text.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }

    /// Peak resident memory of this process, in MiB.
    static func peakRSSMegabytes() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let index = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[index]
    }
}
