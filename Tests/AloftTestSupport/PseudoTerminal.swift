import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `aloft` at a pseudo-terminal, as a person at a keyboard uses it: what it writes (standard
/// output and error, in order) is read from the terminal, and keys are typed into it.
public final class PseudoTerminal: Sendable {
    private let master: Int32
    private let process: Process
    private let output = Shown()

    /// What the terminal showed, appended by the reading thread.
    private final class Shown: Sendable {
        let bytes = Mutex(Data())
    }

    /// Starts `aloft` with `arguments` in `directory`, its own HOME there (see AloftProcess).
    public init(_ arguments: [String], directory: String, environment: [String: String] = [:]) throws {
        var master: Int32 = -1
        var slave: Int32 = -1
        guard openpty(&master, &slave, nil, nil, nil) == 0 else { throw ProcessTimeout(message: "no pseudo-terminal: errno \(errno)") }
        self.master = master
        let process = Process()
        process.executableURL = URL(fileURLWithPath: AloftProcess.executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var base = ProcessInfo.processInfo.environment
        for name in ["XDG_DATA_HOME", "XDG_STATE_HOME", "ALOFT_DB", "ALOFT_SERVER", "ALOFT_API_KEY", "NO_COLOR"] { base[name] = nil }
        base["HOME"] = directory
        base["TERM"] = "xterm"
        process.environment = base.merging(environment) { _, new in new }
        let terminal = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        process.standardInput = terminal
        process.standardOutput = terminal
        process.standardError = terminal
        try process.run()
        close(slave)
        self.process = process
        let output = self.output
        let terminalSide = master
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(terminalSide, &buffer, buffer.count)
                if count <= 0 { return }  // EIO once the process has closed the terminal
                output.bytes.withLock { $0.append(contentsOf: buffer[0..<count]) }
            }
        }
    }

    /// Everything shown so far.
    public var screen: String { output.bytes.withLock { String(decoding: $0, as: UTF8.self) } }

    /// Types `keys` (bytes as a terminal sends them: `\r` for Enter, `\u{1B}[D` for ←).
    public func type(_ keys: String) {
        _ = keys.utf8CString.withUnsafeBufferPointer { write(master, $0.baseAddress, $0.count - 1) }
    }

    /// Waits until the screen shows `text` `count` times.
    public func waitFor(_ text: String, count: Int = 1, timeout: Duration = .seconds(20)) async throws {
        try await eventually(timeout: timeout, "the terminal shows \(text.debugDescription) \(count) time(s); it shows \(screen.suffix(400).debugDescription)") {
            screen.components(separatedBy: text).count - 1 >= count
        }
    }

    /// Waits for the process to end; its exit status.
    public func wait(timeout: Duration = .seconds(20)) async throws -> Int32 {
        try await eventually(timeout: timeout, "aloft exits") { !process.isRunning }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { process.terminate() }
        close(master)
    }
}
