import AloftCore
import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// `aloft`: durable execution for AI agents.
@main
struct Aloft: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aloft",
        abstract: "Durable execution for AI agents: runs survive crashes and restarts.",
        version: AloftVersion.current,
        subcommands: [
            RunAgent.self, Chat.self, Serve.self, Worker.self, Runs.self, Sessions.self, Agents.self, Approve.self, Resume.self, Prune.self, Bench.self,
            BenchSSE.self,
            BenchGRPC.self,
        ]
    )

    static func main() async {
        // A closed pipe is an error on write (handled where output is written), not a silent death.
        signal(SIGPIPE, SIG_IGN)
        #if canImport(Glibc)
        // SQLite frees blocks of a few hundred KiB after every commit; by default glibc hands
        // them back to the kernel each time (madvise), and the page faults that follow cost
        // about a tenth of the CPU of a run (measured with `aloft bench`: 1,000,000 page faults
        // for 20,000 runs, 9,000 with this). Keeping up to 1 MiB free per arena stops that.
        // (`mallopt` is in malloc.h, which Swift's Glibc module leaves out; M_TRIM_THRESHOLD is -1.)
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        if let mallopt = dlsym(nil, "mallopt") {
            _ = unsafeBitCast(mallopt, to: Mallopt.self)(-1, 1 << 20)
        }
        #endif
        if CommandLine.arguments.dropFirst().first == Worker.configuration.commandName ?? "worker" {
            // A worker's tasks are almost all I/O on NIO's event loops (Temporal, PostgreSQL,
            // model servers): run them there, instead of hopping to Swift's own thread pool
            // and back for every call.
            NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // Bad arguments exit 2, as the README says (ArgumentParser's default is 64).
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
