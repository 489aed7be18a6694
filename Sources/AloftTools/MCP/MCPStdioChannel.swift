import AloftCore
import Foundation
import Synchronization

/// An MCP server started as a child process, speaking newline-delimited JSON-RPC on its
/// stdin and stdout. It gets a small environment (PATH, HOME, locale and the like) plus what
/// the agent file gives it, never Aloft's secrets. The end of its stderr is kept to say why
/// it exited. When it exits, `incoming` ends.
final class MCPStdioChannel: MCPChannel {
    /// What the child sees of Aloft's own environment.
    static let inheritedVariables = ["PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "USER", "LOGNAME", "SHELL", "TERM", "TZ"]

    let incoming: AsyncThrowingStream<JSONValue, any Error>
    private let process: Process
    private let input: FileHandle
    private let writeLock = Mutex(())

    init(command: String, args: [String], environment: [String: String], workingDirectory: String?) throws {
        // A write to a server that died must fail, not kill Aloft with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let process = Process()
        if command.contains("/") {
            process.executableURL = URL(fileURLWithPath: command)
            process.arguments = args
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [command] + args
        }
        process.environment = environment
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        let (incoming, continuation) = AsyncThrowingStream.makeStream(of: JSONValue.self)
        let splitter = Mutex(MCPLineSplitter())
        let errors = Mutex([UInt8]())
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                // Its last words on stderr usually arrive with its exit: give them a moment.
                usleep(100_000)
                let said = String(decoding: errors.withLock { $0 }, as: UTF8.self).split(separator: "\n").suffix(3).joined(separator: " | ")
                continuation.finish(throwing: MCPChannelError(message: "the MCP server's process exited" + (said.isEmpty ? "" : ": \(said.suffix(600))")))
                return
            }
            do {
                for line in try splitter.withLock({ try $0.feed(data) }) {
                    // A line that is not JSON (a server printing to stdout) is skipped.
                    if let message = try? JSONValue.parse(line) { continuation.yield(message) }
                }
            } catch {
                handle.readabilityHandler = nil
                continuation.finish(throwing: error)
            }
        }
        stderr.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil }
            errors.withLock { tail in
                tail.append(contentsOf: data)
                if tail.count > 4096 { tail.removeFirst(tail.count - 4096) }
            }
        }
        do {
            try process.run()
        } catch {
            stdout.fileHandleForReading.readabilityHandler = nil
            stderr.fileHandleForReading.readabilityHandler = nil
            throw MCPChannelError(message: "cannot start the MCP server '\(command)': \(error.localizedDescription)")
        }
        self.process = process
        self.input = stdin.fileHandleForWriting
        self.incoming = incoming
        try? stdout.fileHandleForWriting.close()
        try? stderr.fileHandleForWriting.close()
        try? stdin.fileHandleForReading.close()
    }

    func send(_ message: JSONValue) async throws {
        let data = Data((message.jsonText() + "\n").utf8)
        try writeLock.withLock { _ in
            do { try input.write(contentsOf: data) } catch {
                throw MCPChannelError(message: "the MCP server's process is gone (writing to it failed)")
            }
        }
    }

    func close() async {
        try? input.close()
        guard process.isRunning else { return }
        process.terminate()
        // A server that ignores SIGTERM is killed after a second.
        for _ in 0..<20 where process.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}
