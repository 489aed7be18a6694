import Foundation
import Synchronization

/// Lines from standard input for the terminal commands, read by one background thread.
///
/// A wait for the next line can be given up (the run was stopped while a prompt was open)
/// without losing anything: a line typed later goes to the next wait. Reading standard input
/// cannot be interrupted, so a wait per prompt on its own thread would leave readers behind
/// that swallow later lines; there is one reader for the life of the process instead.
final class TerminalInput: Sendable {
    static let shared = TerminalInput()

    /// What a wait gave.
    enum Line: Sendable, Hashable {
        case text(String)
        /// Standard input ended (Ctrl-D, or the end of piped input).
        case end
    }

    private struct State {
        var lines: [Line] = []
        var waiter: (id: Int, continuation: CheckedContinuation<Line?, Never>)?
        var nextWaiter = 0
        var started = false
    }

    private let state = Mutex(State())

    /// The next line, or nil when the calling task is cancelled before one arrives.
    func next() async -> Line? {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Line?, Never>) in
                let (ready, startReader): (Line??, Bool) = state.withLock { state in
                    if Task.isCancelled { return (.some(nil), false) }
                    if !state.lines.isEmpty {
                        let line = state.lines[0]
                        // The end stays, so every later wait sees it too.
                        if line != .end { state.lines.removeFirst() }
                        return (.some(line), false)
                    }
                    state.waiter = (id, continuation)
                    defer { state.started = true }
                    return (nil, !state.started)
                }
                if let ready { continuation.resume(returning: ready) }
                if startReader { Thread.detachNewThread { self.readUntilEnd() } }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Line?, Never>? = state.withLock { state in
                guard let waiter = state.waiter, waiter.id == id else { return nil }
                state.waiter = nil
                return waiter.continuation
            }
            waiter?.resume(returning: nil)
        }
    }

    private func readUntilEnd() {
        while true {
            let line: Line = Swift.readLine().map(Line.text) ?? .end
            let waiter: CheckedContinuation<Line?, Never>? = state.withLock { state in
                if let waiter = state.waiter {
                    state.waiter = nil
                    if line == .end { state.lines.append(.end) }
                    return waiter.continuation
                }
                state.lines.append(line)
                return nil
            }
            waiter?.resume(returning: line)
            if line == .end { return }
        }
    }
}

/// A stop asked for from the terminal (Ctrl-C, SIGTERM), for whoever waits on the run meanwhile.
final class TerminalStop: Sendable {
    private struct State {
        var fired = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    func fire() {
        let waiters = state.withLock { state in
            state.fired = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    var fired: Bool { state.withLock { $0.fired } }

    /// Returns once the stop fires (at once if it has), or when the calling task is cancelled.
    func wait() async {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state in
                    if state.fired || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
