import ArgumentParser

/// `aloft`: durable execution for AI agents.
@main
struct Aloft: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aloft",
        abstract: "Durable execution for AI agents: runs survive crashes and restarts.",
        subcommands: [RunAgent.self, Chat.self, Serve.self, Runs.self, Approve.self, Resume.self, Prune.self, Bench.self, BenchSSE.self]
    )
}
