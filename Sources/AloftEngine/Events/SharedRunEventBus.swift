public import AloftCore
public import Logging
public import ServiceLifecycle
import Synchronization

/// The event bus of a database several processes share. Events this process publishes go to
/// its subscribers at once (through a `RunEventHub`), and text deltas — published before they
/// are stored — are announced to the other processes. Events of runs another process
/// executes arrive here as notices: a notice that a run's event log grew is followed by a read
/// of the log; an announced delta is passed on as it comes, if it is the next in line.
///
/// Subscribers see every event once, numbers rising: the event log decides (a read passes on
/// what it holds after the last event given, a number the log skips is gone for good — a
/// delta of a process that died), and a live delta is held back until the events before it
/// were given. A notice that never came is made up for by the next one, or by reading every
/// followed run again when listening resumes after a break.
///
/// Run it as a `Service` (it listens while it runs).
public final class SharedRunEventBus: RunEventBus, Service {
    /// A run that has subscribers here: the last number given to them, and deltas that came
    /// ahead of their turn.
    private struct Followed {
        var last: Int
        var ahead: [Int: RunEvent] = [:]
    }

    /// Most runs followed at once; beyond it one stops being followed (its subscribers then
    /// get only what this process publishes, and the log when they reconnect).
    static let followedLimit = 10_000

    private let local: RunEventHub
    private let notices: any StoreNotices
    private let reader: any RunReader
    private let logger: Logger
    private let followed = Mutex<[String: Followed]>([:])
    /// Followed runs whose logs hold events not given yet: up to which number (nil: unknown).
    private let stale = Mutex<[String: Int?]>([:])
    /// Set once listening ended (graceful shutdown): logs are no longer read.
    private let stopping = Atomic<Bool>(false)

    /// Wakes the log reader (`run()`), which reads the logs of `stale` runs.
    private let wakes: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    /// - Parameter retainedRuns: runs whose recent events are kept while nobody here
    ///   subscribes to them (see `RunEventHub`); 0 in a process that only publishes.
    public init(notices: any StoreNotices, reader: any RunReader, retainedRuns: Int = RunEventHub.retainedEndedRuns, logger: Logger) {
        local = RunEventHub(retainedRuns: retainedRuns)
        self.notices = notices
        self.reader = reader
        self.logger = logger
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func publish(_ event: RunEvent) {
        local.publish(event)
        followed.withLock { followed in
            if let last = followed[event.runId]?.last, event.seq > last { followed[event.runId]?.last = event.seq }
            if event.kind.isTerminal { followed[event.runId] = nil }
        }
        if event.kind == .runContent { notices.announce([event]) }
    }

    public func subscribe(runId: String, after: Int) -> RunEventSubscription {
        let new = followed.withLock { followed -> Bool in
            guard followed[runId] == nil else { return false }
            if followed.count >= Self.followedLimit, let some = followed.keys.first { followed[some] = nil }
            followed[runId] = Followed(last: after)
            return true
        }
        let subscription = local.subscribe(runId: runId, after: after)
        // Followed from now on; what was stored before — its notices came when nobody here
        // followed the run, and the run may have ended since — is read from the log once.
        if new, markStale([runId], through: nil) { wake.yield() }
        return subscription
    }

    public func release(runId: String) {
        local.release(runId: runId)
    }

    public func forget(runId: String) {
        followed.withLock { _ = $0.removeValue(forKey: runId) }
        local.forget(runId: runId)
    }

    /// Listens to the other processes until graceful shutdown. Notices are only noted here
    /// (the runs whose logs to read); the reads happen beside, so that listening never waits
    /// on the database.
    public func run() async {
        let (wakes, wake) = (self.wakes, self.wake)
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await _ in wakes { await self.readStale() }
            }
            for await notice in notices.notices().cancelOnGracefulShutdown() {
                switch notice {
                case .eventsStored(let runId, let through):
                    if markStale([runId], through: through) { wake.yield() }
                case .live(let event):
                    passOn(event)
                case .resumed:
                    if markStale(followed.withLock { Array($0.keys) }, through: nil) { wake.yield() }
                case .commandQueued:
                    break
                }
            }
            stopping.store(true, ordering: .releasing)
            wake.finish()
        }
    }

    /// Notes that the logs of `runIds` hold events up to `through` (nil: unknown, read to the
    /// end); runs not followed here are ignored. Whether any was noted.
    private func markStale(_ runIds: [String], through: Int?) -> Bool {
        let followedNow = followed.withLock { followed in runIds.filter { followed[$0] != nil } }
        guard !followedNow.isEmpty else { return false }
        stale.withLock { stale in
            for runId in followedNow {
                if let known = stale[runId] {
                    // Unknown wins; else the furthest.
                    stale[runId] = known.flatMap { known in through.map { max(known, $0) } }
                } else {
                    stale[runId] = .some(through)
                }
            }
        }
        return true
    }

    /// Reads the logs noted as ahead, until none is. A log that cannot be read now (the
    /// database is slow or away) stays noted and is read again a second later: no notice
    /// may come for it again (its run may have ended), so dropping it would stall its subscribers.
    private func readStale() async {
        while !stopping.load(ordering: .acquiring) {
            let runs = stale.withLock { stale in
                defer { stale.removeAll(keepingCapacity: true) }
                return stale
            }
            guard !runs.isEmpty else { return }
            var unread: [(String, Int?)] = []
            for (runId, through) in runs where !(await catchUp(runId, through: through)) { unread.append((runId, through)) }
            guard !unread.isEmpty else { continue }
            try? await Task.sleep(for: .seconds(1))
            for (runId, through) in unread { _ = markStale([runId], through: through) }
        }
    }

    /// Passes on what the log holds after the last event given (up to `through`, if known);
    /// false when the log could not be read.
    private func catchUp(_ runId: String, through: Int?) async -> Bool {
        guard var last = followed.withLock({ $0[runId]?.last }), last < through ?? Int.max else { return true }
        do {
            while true {
                let page = try await reader.events(runId: runId, after: last, before: through.map { $0 + 1 }, limit: 500)
                guard let end = page.last?.seq else { break }
                give(page, runId: runId)
                last = end
                if page.count < 500 { break }
            }
        } catch {
            logger.warning("cannot read the events of a run another process executes; trying again", metadata: ["run.id": "\(runId)", "error": "\(error)"])
            return false
        }
        return true
    }

    /// An announced delta: given now if it is next, held if it came early, dropped if old.
    private func passOn(_ event: RunEvent) {
        let ready: [RunEvent] = followed.withLock { followed in
            guard var run = followed[event.runId], event.seq > run.last else { return [] }
            run.ahead[event.seq] = event
            var ready: [RunEvent] = []
            while let next = run.ahead.removeValue(forKey: run.last + 1) {
                ready.append(next)
                run.last = next.seq
            }
            followed[event.runId] = run
            return ready
        }
        for event in ready { local.publish(event) }
    }

    /// Events read from the log, in order: those after the last given are given; deltas held
    /// for numbers now passed are dropped, and those next in line follow.
    private func give(_ events: [RunEvent], runId: String) {
        let ready: [RunEvent] = followed.withLock { followed in
            guard var run = followed[runId] else { return [] }
            var ready: [RunEvent] = []
            for event in events where event.seq > run.last {
                ready.append(event)
                run.last = event.seq
            }
            run.ahead = run.ahead.filter { $0.key > run.last }
            while let next = run.ahead.removeValue(forKey: run.last + 1) {
                ready.append(next)
                run.last = next.seq
            }
            followed[runId] = ready.last?.kind.isTerminal == true ? nil : run
            return ready
        }
        for event in ready { local.publish(event) }
    }
}
