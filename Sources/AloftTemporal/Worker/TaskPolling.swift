import ServiceLifecycle

/// The poll loop of both workers: `pollers` long polls at a time, each task handed to
/// `handle` as it arrives. At graceful shutdown the polls end at once (a cancelled poll
/// takes no task) while what `handle` is doing runs to its end; at cancellation everything
/// stops.
enum TaskPolling {
    static func run<Work: Sendable>(
        pollers: Int, poll: @escaping @Sendable () async -> Work?, handle: @escaping @Sendable (Work) async -> Void
    ) async {
        await withDiscardingTaskGroup { group in
            for _ in 0..<max(1, pollers) {
                group.addTask {
                    while !Task.isCancelled, !Task.isShuttingDownGracefully {
                        guard let work = await cancelWhenGracefulShutdown({ await poll() }) else { continue }
                        await handle(work)
                    }
                }
            }
        }
    }
}
