import ServiceLifecycle
import Synchronization

/// The poll loop of both workers: `pollers` long polls at a time, each task handed to
/// `handle` in a task of its own as it arrives — up to `maxConcurrent` at once, so a poller
/// polls again at once instead of waiting while its task is answered (Temporal's answer to a
/// completed task takes as long as its persistence). At graceful shutdown the polls end at
/// once (a cancelled poll takes no task) while the tasks under way run to their end; at
/// cancellation everything stops.
enum TaskPolling {
    static func run<Work: Sendable>(
        pollers: Int, maxConcurrent: Int, poll: @escaping @Sendable () async -> Work?, handle: @escaping @Sendable (Work) async -> Void
    ) async {
        let running = RunningCount()
        let (arrived, sink) = AsyncStream.makeStream(of: Work.self)
        await withDiscardingTaskGroup { group in
            group.addTask {
                await withDiscardingTaskGroup { polls in
                    for _ in 0..<max(1, pollers) {
                        polls.addTask {
                            while !Task.isCancelled, !Task.isShuttingDownGracefully {
                                if running.value >= maxConcurrent {
                                    try? await Task.sleep(for: .milliseconds(5))
                                    continue
                                }
                                guard let work = await cancelWhenGracefulShutdown({ await poll() }) else { continue }
                                running.add(1)
                                sink.yield(work)
                            }
                        }
                    }
                }
                sink.finish()
            }
            for await work in arrived {
                group.addTask {
                    await handle(work)
                    running.add(-1)
                }
            }
        }
    }
}

/// Tasks being handled.
private final class RunningCount: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .relaxed) }
    func add(_ delta: Int) { count.add(delta, ordering: .relaxed) }
}
