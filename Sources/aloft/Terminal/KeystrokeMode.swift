import Foundation

/// Standard input, when it is a terminal, switched from line-at-a-time to key-at-a-time
/// (no canonical mode, no echo; signals stay on, so Ctrl-C still stops a run), so that
/// `LineEditor` can edit the line. Restored at exit, however the process exits normally.
enum KeystrokeMode {
    nonisolated(unsafe) private static var saved: termios?

    /// Switches; false (and nothing changed) when standard input is not a terminal that can.
    static func enable() -> Bool {
        guard isatty(STDIN_FILENO) == 1, ProcessInfo.processInfo.environment["TERM"] != "dumb" else { return false }
        var original = termios()
        guard tcgetattr(STDIN_FILENO, &original) == 0 else { return false }
        var keys = original
        keys.c_lflag &= ~tcflag_t(ICANON | ECHO)
        withUnsafeMutableBytes(of: &keys.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(STDIN_FILENO, TCSANOW, &keys) == 0 else { return false }
        saved = original
        atexit { KeystrokeMode.restore() }
        return true
    }

    /// Puts the terminal back as it was.
    static func restore() {
        guard var original = saved else { return }
        tcsetattr(STDIN_FILENO, TCSANOW, &original)
    }
}
