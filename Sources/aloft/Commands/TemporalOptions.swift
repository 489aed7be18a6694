import AloftTemporal
import ArgumentParser
import Foundation

/// Which Temporal runs are executed on, for `aloft serve --engine temporal` and `aloft worker`.
/// The API key comes from `$ALOFT_TEMPORAL_API_KEY` only: a secret on a command line is
/// visible to every user of the machine.
struct TemporalOptions: ParsableArguments {
    @Option(name: .long, help: "The Temporal frontend, HOST:PORT (default $ALOFT_TEMPORAL, else 127.0.0.1:7233).")
    var temporal: String?

    @Option(name: .long, help: "The Temporal namespace (default $ALOFT_TEMPORAL_NAMESPACE, else default).")
    var namespace: String?

    @Option(name: .long, help: "The task queue runs are scheduled on; servers and workers must name the same (default $ALOFT_TEMPORAL_TASK_QUEUE, else aloft).")
    var taskQueue: String?

    @Flag(name: .long, help: "Speak TLS to Temporal (Temporal Cloud); the API key comes from $ALOFT_TEMPORAL_API_KEY.")
    var temporalTls = false

    var taskQueueName: String {
        taskQueue ?? ProcessInfo.processInfo.environment["ALOFT_TEMPORAL_TASK_QUEUE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? TemporalWorkerConfiguration.defaultTaskQueue
    }

    /// The endpoint, or a usage error naming what is wrong.
    func endpoint() throws -> TemporalEndpoint {
        let environment = ProcessInfo.processInfo.environment
        let address = temporal ?? environment["ALOFT_TEMPORAL"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1:7233"
        let key = environment["ALOFT_TEMPORAL_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        do {
            return try TemporalEndpoint(
                address: address, namespace: namespace ?? environment["ALOFT_TEMPORAL_NAMESPACE"] ?? "default", tls: temporalTls, apiKey: key
            )
        } catch {
            throw ValidationError(error.message)
        }
    }

    func validate() throws {
        _ = try endpoint()
        let queue = taskQueueName
        if queue.utf8.count > 200 { throw ValidationError("--task-queue must be at most 200 characters") }
    }
}
