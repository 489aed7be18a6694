import Foundation
import Synchronization

/// A private PostgreSQL cluster for the tests: Debian's `initdb` into a temporary folder,
/// listening on a free loopback port, run as a non-root user (`postgres` when the tests run
/// as root, since PostgreSQL refuses root), stopped when the test process exits. One cluster
/// per test process; each test takes a database of its own (`freshDatabase()`).
public enum PostgresTestCluster {
    /// Why there is no cluster, when there cannot be one here (tests say it and are skipped).
    public static var unavailableReason: String? {
        if binaries == nil { return "PostgreSQL is not installed (scripts/install-deps.sh installs Debian's postgresql)" }
        if geteuid() == 0, getpwnam("postgres") == nil { return "running as root and there is no 'postgres' user to run PostgreSQL as" }
        return nil
    }

    public static var available: Bool { unavailableReason == nil }

    /// The folder of `initdb`, `pg_ctl`, `psql`: the newest version installed.
    static let binaries: String? = {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        for version in versions.reversed() where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") {
            return "\(root)/\(version)/bin"
        }
        return nil
    }()

    private static let started = Mutex<Result<Cluster, ProcessTimeout>?>(nil)

    struct Cluster: Sendable {
        let folder: String
        let port: Int
    }

    /// A new empty database on the cluster (started on first use): its URL.
    public static func freshDatabase() async throws -> String {
        try await blockingWork { try freshDatabaseNow() }
    }

    private static func freshDatabaseNow() throws -> String {
        let cluster = try cluster()
        let name = "aloft_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        try run(binaries! + "/psql", ["-h", "127.0.0.1", "-p", "\(cluster.port)", "-U", "aloft", "-d", "postgres", "-qc", "CREATE DATABASE \(name)"])
        return url(database: name, port: cluster.port)
    }

    /// Runs `sql` with psql on the database of `url` (a URL `freshDatabase` gave); its output.
    @discardableResult
    public static func psql(_ sql: String, url: String) async throws -> String {
        try await blockingWork { try psqlNow(sql, url: url) }
    }

    private static func psqlNow(_ sql: String, url: String) throws -> String {
        let cluster = try cluster()
        let database = String(url.split(separator: "/").last ?? "postgres")
        return try run(binaries! + "/psql", ["-h", "127.0.0.1", "-p", "\(cluster.port)", "-U", "aloft", "-d", database, "-qAtc", sql])
    }

    /// The URL of database `database` on the cluster.
    public static func url(database: String, port: Int) -> String {
        "postgres://aloft:aloft@127.0.0.1:\(port)/\(database)"
    }

    /// The cluster's port (starting it on first use).
    public static func port() async throws -> Int { try await blockingWork { try cluster().port } }

    private static func cluster() throws -> Cluster {
        try started.withLock { state in
            if let state { return try state.get() }
            let result: Result<Cluster, ProcessTimeout>
            do {
                result = .success(try start())
            } catch let error as ProcessTimeout {
                result = .failure(error)
            } catch {
                result = .failure(ProcessTimeout(message: "PostgreSQL did not start: \(error)"))
            }
            state = result
            return try result.get()
        }
    }

    private static func start() throws -> Cluster {
        guard let binaries, available else { throw ProcessTimeout(message: unavailableReason ?? "no PostgreSQL") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aloft-pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if geteuid() == 0, let user = getpwnam("postgres") {
            chown(folder, user.pointee.pw_uid, user.pointee.pw_gid)
        }
        let data = folder + "/data"
        let password = folder + "/password"
        try "aloft\n".write(toFile: password, atomically: true, encoding: .utf8)
        if geteuid() == 0, let user = getpwnam("postgres") { chown(password, user.pointee.pw_uid, user.pointee.pw_gid) }
        try run(binaries + "/initdb", ["-D", data, "-U", "aloft", "--pwfile", password, "-A", "scram-sha-256", "-E", "UTF8", "--no-sync"], asPostgres: true)
        let port = try AloftTestSupport.freePort()
        // The server lives as long as this process: a shell holds the read end of a pipe whose
        // write end only this process has, and stops the server (and removes its folder) when
        // the pipe closes — at exit, and also when the tests are killed.
        let options = "-p \(port) -k \(folder) -c listen_addresses=127.0.0.1 -c max_connections=400"
        let script = """
            "$0/pg_ctl" -D "$1" -l "$2" -w -t 60 -o "$4" start >/dev/null && cat >/dev/null
            "$0/pg_ctl" -D "$1" -m immediate stop >/dev/null 2>&1
            rm -rf "$3"
            """
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw ProcessTimeout(message: "no pipe: errno \(errno)") }
        let shell = ["/bin/sh", "-c", script, binaries, data, folder + "/log", folder, options]
        try spawn(geteuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + shell : shell, input: pipeEnds[0], closing: pipeEnds[1])
        close(pipeEnds[0])
        watchdog = pipeEnds[1]  // kept open on purpose until this process ends
        let deadline = Date().addingTimeInterval(60)
        while (try? run(binaries + "/pg_isready", ["-q", "-h", "127.0.0.1", "-p", "\(port)"])) == nil {
            guard Date() < deadline else {
                let log = (try? String(contentsOfFile: folder + "/log", encoding: .utf8)) ?? ""
                throw ProcessTimeout(message: "PostgreSQL did not start within 60 s: \(log.suffix(2000))")
            }
            usleep(100_000)
        }
        return Cluster(folder: folder, port: port)
    }

    nonisolated(unsafe) private static var watchdog: Int32 = -1

    /// Runs a PostgreSQL program (as `postgres` when we are root); its failure throws with its output.
    /// (posix_spawn and waitpid: Foundation's Process did not always see `runuser` end here.)
    @discardableResult
    static func run(_ program: String, _ arguments: [String], asPostgres: Bool = false) throws -> String {
        let argv = asPostgres && geteuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", program] + arguments : [program] + arguments
        // A file, not a pipe: the server `pg_ctl start` leaves running inherits it and would keep a pipe open.
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("aloft-pg-output-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let pid = try spawn(argv, output: outputPath)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exited = (status & 0x7f) == 0 && ((status >> 8) & 0xff) == 0
        guard exited else {
            throw ProcessTimeout(message: "\((program as NSString).lastPathComponent) failed (status \(status)): \(text)")
        }
        return text
    }

    /// Starts `argv` with standard input from `input` (else /dev/null), output to the file `output`
    /// (else /dev/null), `closing` closed in the child; its process id.
    @discardableResult
    static func spawn(_ argv: [String], input: Int32? = nil, closing: Int32? = nil, output: String? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let input { posix_spawn_file_actions_adddup2(&actions, input, 0) } else { posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) }
        if let closing { posix_spawn_file_actions_addclose(&actions, closing) }
        posix_spawn_file_actions_addopen(&actions, 1, output ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = "aloft"
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, cEnvironment)
        guard spawned == 0 else { throw ProcessTimeout(message: "cannot start \(argv[0]): errno \(spawned)") }
        return pid
    }
}
