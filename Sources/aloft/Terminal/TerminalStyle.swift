import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Colour for the lines the terminal commands write to standard error, only when it is a
/// terminal and `NO_COLOR` is not set (https://no-color.org): piped or logged output stays plain.
enum TerminalStyle {
    static let enabled: Bool = isatty(STDERR_FILENO) == 1 && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty

    enum Colour: String {
        case tool = "36"  // cyan
        case failure = "31"  // red
        case approval = "33"  // yellow
        case dim = "2"
    }

    static func paint(_ text: String, _ colour: Colour) -> String {
        enabled ? "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// A line that the next output replaces (`thinking…`), on terminals only.
    static func transient(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data(paint(text, .dim).utf8))
    }

    /// Clears a transient line.
    static func clearTransient() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
