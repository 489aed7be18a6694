import Foundation

/// The `aloft` executable built beside the tests, run as a real process.
public final class AloftProcess: @unchecked Sendable {
    // @unchecked: `process` is configured before launch and then only read; Foundation's
    // Process is thread-safe for waiting, signalling and reading its status.
    let process = Process()
    public let stdoutPath: String
    public let stderrPath: String
    /// Standard input, when kept open (`openInput`).
    private let input: FileHandle?

    /// The `aloft` binary: `ALOFT_BIN`, else beside the test bundle.
    public static var executable: String {
        if let path = ProcessInfo.processInfo.environment["ALOFT_BIN"] { return path }
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0])
        var directory = bundle.deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("aloft").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return bundle.deletingLastPathComponent().appendingPathComponent("aloft").path
    }

    /// Starts `aloft` with `arguments` in `directory`; standard input is `input` (empty when nil),
    /// or stays open for `send(_:)` with `openInput` (a person who has not typed yet).
    /// `mergeOutput` writes standard error into the standard output file, to see their order.
    public init(
        _ arguments: [String], directory: String, environment: [String: String] = [:], input: String? = nil, openInput: Bool = false,
        mergeOutput: Bool = false
    ) throws {
        let id = UUID().uuidString.prefix(8)
        stdoutPath = (directory as NSString).appendingPathComponent("aloft-\(id).out")
        stderrPath = (directory as NSString).appendingPathComponent("aloft-\(id).err")
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        // Each process is its own user at home in `directory`: the default database
        // (~/.local/share/aloft) is the test's, never the machine's, unless a test says otherwise.
        var base = ProcessInfo.processInfo.environment
        for name in ["XDG_DATA_HOME", "ALOFT_DB", "ALOFT_SERVER", "ALOFT_API_KEY"] { base[name] = nil }
        base["HOME"] = directory
        process.environment = base.merging(environment) { _, new in new }
        let stdin = Pipe()
        process.standardInput = input == nil && !openInput ? FileHandle.nullDevice : stdin
        let output = FileHandle(forWritingAtPath: stdoutPath)
        process.standardOutput = output
        process.standardError = mergeOutput ? output : FileHandle(forWritingAtPath: stderrPath)
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        if openInput {
            self.input = stdin.fileHandleForWriting
        } else {
            self.input = nil
            if input != nil { try stdin.fileHandleForWriting.close() }
        }
    }

    /// Types `text` on the open standard input.
    public func send(_ text: String) {
        input?.write(Data(text.utf8))
    }

    /// Ends the open standard input (Ctrl-D).
    public func closeInput() {
        try? input?.close()
    }

    public var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    /// The process's id.
    public var pid: Int32 { process.processIdentifier }

    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
    public var isRunning: Bool { process.isRunning }

    /// Kills the process with SIGKILL: no clean-up of any kind runs.
    public func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Sends a signal (SIGTERM, SIGINT…) without waiting.
    public func signal(_ number: Int32) {
        if process.isRunning { Foundation.kill(process.processIdentifier, number) }
    }

    /// Waits for the process to end and returns its exit status.
    public func wait(timeout: Duration = .seconds(60)) async throws -> Int32 {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while process.isRunning {
            if clock.now > deadline {
                kill()
                throw ProcessTimeout(message: "aloft did not finish in time; stderr:\n\(stderr)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    /// Runs `aloft` to its end and returns its status and output.
    public static func run(_ arguments: [String], directory: String, environment: [String: String] = [:], input: String? = nil) async throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let process = try AloftProcess(arguments, directory: directory, environment: environment, input: input)
        let status = try await process.wait()
        return (status, process.stdout, process.stderr)
    }
}

public struct ProcessTimeout: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Polls `condition` until it holds or `timeout` passes.
public func eventually(timeout: Duration = .seconds(60), _ what: String, _ condition: () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(25))
    }
    throw ProcessTimeout(message: "timed out waiting until \(what)")
}

/// A fresh folder for one test.
public func temporaryFolder() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("aloft-it-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
