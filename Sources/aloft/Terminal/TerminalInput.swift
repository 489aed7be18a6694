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
        /// At a terminal: the line being edited key by key (nil: lines as the terminal gives them).
        var editor: LineEditor?
        /// What is on the screen before the line: redrawn with it.
        var prompt = ""
        /// Whether the open prompt's lines go to history.
        var remember = false
        var history: LineHistoryFile?
    }

    private let state = Mutex(State())

    /// Keeps the lines of `remember: true` prompts in `file` across runs (`aloft chat`).
    func keepHistory(in file: LineHistoryFile?) {
        state.withLock { $0.history = file }
    }

    /// The next line, or nil when the calling task is cancelled before one arrives. `prompt` is
    /// what the caller just wrote before the cursor (the line editor redraws it with the line);
    /// `remember` keeps the line for ↑.
    func next(prompt: String = "", remember: Bool = false) async -> Line? {
        let (id, show, kept) = state.withLock { state -> (Int, String?, (LineHistoryFile, [String])?) in
            defer { state.nextWaiter += 1 }
            state.prompt = prompt
            state.remember = remember
            // Keys typed while nothing was asked appear now, after the prompt.
            guard state.editor != nil else { return (state.nextWaiter, nil, nil) }
            if case .text(let typed)? = state.lines.first {
                guard remember, let file = state.history, state.editor?.remember(typed) == true else { return (state.nextWaiter, typed + "\n", nil) }
                return (state.nextWaiter, typed + "\n", (file, state.editor?.history ?? []))
            }
            let line = state.editor?.line ?? ""
            return (state.nextWaiter, line.isEmpty ? nil : state.editor?.render(prompt: prompt), nil)
        }
        if let show { Self.show(show) }
        if let (file, lines) = kept { file.save(lines) }
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
                if startReader { Thread.detachNewThread { self.read() } }
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

    private func read() {
        guard KeystrokeMode.enable() else {
            while true {
                let line: Line = Swift.readLine().map(Line.text) ?? .end
                deliver(line)
                if line == .end { return }
            }
        }
        state.withLock { state in state.editor = LineEditor(history: state.history?.load() ?? []) }
        var byte: UInt8 = 0
        while true {
            let count = Glibc.read(STDIN_FILENO, &byte, 1)
            if count < 0, errno == EINTR { continue }
            let (action, showing, prompt) = state.withLock { state in
                (count == 1 ? state.editor?.feed(byte) ?? .end : .end, state.waiter != nil, state.prompt)
            }
            switch action {
            case .none:
                continue
            case .redraw:
                if showing, let shown = state.withLock({ $0.editor?.render(prompt: prompt) }) { Self.show(shown) }
            case .submit(let line):
                if showing { Self.show("\n") }
                let kept: (LineHistoryFile, [String])? = state.withLock { state in
                    guard showing, state.remember, let file = state.history, state.editor?.remember(line) == true else { return nil }
                    return (file, state.editor?.history ?? [])
                }
                if let (file, lines) = kept { file.save(lines) }
                deliver(.text(line))
            case .end:
                if showing { Self.show("\n") }
                KeystrokeMode.restore()
                deliver(.end)
                return
            }
        }
    }

    /// Hands a line to the waiting prompt, or keeps it for the next.
    private func deliver(_ line: Line) {
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
    }

    private static func show(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
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
