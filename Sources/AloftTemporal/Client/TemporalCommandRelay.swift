public import AloftCore
import Foundation
import GRPCCore
public import Logging
public import ServiceLifecycle
import Synchronization

/// Passes what API servers record for runs executed on Temporal — a run to start, a stop, a
/// person's decision — from the store's inbox to Temporal, then takes it out of the inbox.
///
/// Recorded first, passed on second: an API server that dies in between, or a Temporal that
/// is down for a while, loses nothing — the command waits and is passed on when Temporal
/// answers (every relay looks at the inbox each `interval`). Passing one on twice is
/// harmless: a start of a started workflow, a second cancellation, and a decision on a call
/// decided already change nothing. Commands of one run go in order; runs go at once.
public final class TemporalCommandRelay: Service {
    /// What this relay's Temporal calls go through.
    public let client: TemporalRunClient
    let connection: TemporalConnection
    let store: any LocalEngineStore
    let interval: Duration
    let logger: Logger
    private let wakes: AsyncStream<Void>
    private let wakeSink: AsyncStream<Void>.Continuation
    /// Temporal did not answer last time (logged once per outage, not once per try).
    private let failing = Atomic<Bool>(false)

    public init(
        endpoint: TemporalEndpoint, taskQueue: String, identity: String, store: any LocalEngineStore, interval: Duration = .seconds(1), logger: Logger
    ) throws(TemporalError) {
        connection = try TemporalConnection(endpoint)
        client = TemporalRunClient(connection: connection, taskQueue: taskQueue, identity: identity)
        self.store = store
        self.interval = interval
        self.logger = logger
        (wakes, wakeSink) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// A command was just recorded: pass it on now rather than at the next look.
    public func wake() { wakeSink.yield() }

    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.connection.run() }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: self.interval)
                    self.wake()
                }
            }
            for await _ in wakes.cancelOnGracefulShutdown() { await relayQueued() }
            connection.close()
            group.cancelAll()
            while let result = await group.nextResult() {
                if case .failure(let error) = result, !(error is CancellationError) { throw error }
            }
        }
    }

    /// Passes on every command in the inbox; those Temporal could not take stay for the next time.
    func relayQueued() async {
        let queued: [QueuedRunCommand]
        do {
            queued = try await store.queuedCommands(limit: 500)
        } catch {
            logger.warning("cannot read the commands to pass on to Temporal", metadata: ["error": "\(error)"])
            return
        }
        guard !queued.isEmpty else { return }
        var byRun: [String: [QueuedRunCommand]] = [:]
        for entry in queued { byRun[entry.runId, default: []].append(entry) }
        let done = await withTaskGroup(of: [Int64].self) { group in
            for commands in byRun.values {
                group.addTask {
                    var done: [Int64] = []
                    for entry in commands {
                        guard await self.relay(entry) else { break }
                        done.append(entry.id)
                    }
                    return done
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        do {
            try await store.discardCommands(ids: done)
        } catch {
            logger.warning("cannot take passed-on commands out of the inbox; they will be passed on again", metadata: ["error": "\(error)"])
        }
    }

    /// Whether the command is done with: passed on, or one Temporal can never take (logged).
    private func relay(_ entry: QueuedRunCommand) async -> Bool {
        do {
            switch entry.command {
            case .drive:
                guard let run = try await store.run(id: entry.runId), !run.phase.isTerminal else { return true }
                try await client.start(RunWorkflowInput(runId: run.id, agentVersion: run.agentVersion))
            case .cancel(let reason):
                try await client.cancel(runId: entry.runId, reason: reason)
            case .resolveApproval(let decision):
                try await client.resolveApproval(runId: entry.runId, decision: decision)
            case .approvalDeadlinePassed:
                return true  // Temporal's own timer decides deadlines
            case nil:
                logger.error("discarding an unreadable command", metadata: ["run.id": "\(entry.runId)", "inbox.id": "\(entry.id)"])
                return true
            }
            if failing.exchange(false, ordering: .relaxed) { logger.notice("Temporal answers again; passing on the commands that waited") }
            return true
        } catch let error as RPCError where [.notFound, .failedPrecondition, .alreadyExists].contains(error.code) {
            // The workflow has ended (or never will start): nothing left to tell it.
            logger.debug("a command's workflow has ended", metadata: ["run.id": "\(entry.runId)", "error": "\(error.message)"])
            return true
        } catch let error as RPCError where error.code == .invalidArgument {
            logger.error("Temporal refused a command; it is dropped", metadata: ["run.id": "\(entry.runId)", "error": "\(error)"])
            return true
        } catch {
            if !failing.exchange(true, ordering: .relaxed) {
                logger.warning("cannot reach Temporal; commands wait in the store and are passed on when it answers", metadata: ["error": "\(error)"])
            }
            return false
        }
    }
}
