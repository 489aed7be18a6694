import AloftCore
import AloftTestSupport
import Foundation
import Testing

@Suite(
    "aloft on PostgreSQL", .serialized, .timeLimit(.minutes(3)),
    .enabled(if: PostgresTestCluster.available, "\(PostgresTestCluster.unavailableReason ?? "")")
)
struct PostgresServeTests {
    @Test("serve --store runs agents on PostgreSQL; the CLI reads the same database")
    func serveOnPostgres() async throws {
        let url = try await PostgresTestCluster.freshDatabase()
        let folder = try temporaryFolder()
        try FileManager.default.copyItem(atPath: "\(CommandLineTests.examples)/approval-demo.yaml", toPath: "\(try agentsFolder(in: folder))/approval-demo.yaml")
        let server = try await ServerProcess.start(in: folder, extra: ["--store", url])
        defer { server.process.kill() }
        #expect(server.process.stderr.contains("postgres://aloft:***@"), "the password is never shown: \(server.process.stderr)")
        let id = try #require(try await http("POST", "\(server.base)/v1/runs", json: #"{"agent":"approval-demo","input":"clean"}"#).body["id"]?.stringValue)
        try await eventually("the run waits") { try await http("GET", "\(server.base)/v1/runs/\(id)").body["phase"] == "waiting_for_approval" }
        let approved = try await AloftProcess.run(["approve", id, "--server", server.base], directory: folder)
        #expect(approved.status == 0, "\(approved.stderr)")
        try await eventually("the run completes") { try await http("GET", "\(server.base)/v1/runs/\(id)").body["phase"] == "completed" }

        // Any process reads the shared database (no local file is made).
        let listed = try await AloftProcess.run(["runs", "list", "--json"], directory: folder, environment: ["ALOFT_STORE": url])
        #expect(listed.stdout.contains(id) && listed.stdout.contains("\"completed\""), "\(listed.stderr)")
        let shown = try await AloftProcess.run(["runs", "show", id, "--store", url], directory: folder)
        #expect(shown.stdout.contains("approval_resolved") && shown.stdout.contains("finished"), "\(shown.stdout) \(shown.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/.local/share/aloft"), "no SQLite file")
    }

    @Test("a server whose engine lease ends (its connection terminated) stops at once; the next one resumes its runs")
    func leaseLostStopsTheServer() async throws {
        let url = try await PostgresTestCluster.freshDatabase()
        let folder = try temporaryFolder()
        try FileManager.default.copyItem(atPath: "\(CommandLineTests.examples)/approval-demo.yaml", toPath: "\(try agentsFolder(in: folder))/approval-demo.yaml")
        let server = try await ServerProcess.start(in: folder, extra: ["--store", url])
        defer { server.process.kill() }
        let id = try #require(try await http("POST", "\(server.base)/v1/runs", json: #"{"agent":"approval-demo","input":"clean"}"#).body["id"]?.stringValue)
        try await eventually("the run waits") { try await http("GET", "\(server.base)/v1/runs/\(id)").body["phase"] == "waiting_for_approval" }

        // The connection holding the lease ends: PostgreSQL has let the lock go, so this
        // server must not drive another step.
        let terminated = try await PostgresTestCluster.psql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            url: url
        )
        #expect(terminated.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "one connection held the lease: \(terminated)")
        #expect(try await server.process.wait(timeout: .seconds(20)) == 75, "\(server.process.stderr)")
        #expect(server.process.stderr.contains("lost the engine lease of postgres://aloft:***@"), "\(server.process.stderr)")

        let next = try await server.restart()
        defer { next.process.kill() }
        #expect(try await AloftProcess.run(["approve", id, "--server", next.base], directory: folder).status == 0)
        try await eventually("the run completes on the next server") { try await http("GET", "\(next.base)/v1/runs/\(id)").body["phase"] == "completed" }
    }

    @Test("/readyz says 503 while the database refuses connections, and 200 again once it accepts them; a run under way waits for it and finishes")
    func readinessFollowsTheDatabase() async throws {
        let url = try await PostgresTestCluster.freshDatabase()
        let database = String(url.split(separator: "/").last ?? "")
        let admin = PostgresTestCluster.url(database: "postgres", port: try await PostgresTestCluster.port())
        let folder = try temporaryFolder()
        try writeTalker(to: "\(try agentsFolder(in: folder))/talker.yaml", words: 100, delay: 10)
        let server = try await ServerProcess.start(in: folder, extra: ["--store", url])
        defer { server.process.kill() }
        #expect(try await http("GET", "\(server.base)/readyz").status == 200)
        // Its answer is recorded ~1 s from now, while the database is away.
        let run = try #require(try await http("POST", "\(server.base)/v1/runs", json: #"{"agent":"talker","input":"talk"}"#).body["id"]?.stringValue)
        // Connections refused (all but the engine lease's, which keeps this server the executor).
        try await PostgresTestCluster.psql(
            """
            ALTER DATABASE \(database) ALLOW_CONNECTIONS false;
            SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
            WHERE datname = '\(database)' AND pid NOT IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory')
            """, url: admin
        )
        try await eventually(timeout: .seconds(30), "/readyz fails") { try await http("GET", "\(server.base)/readyz").status == 503 }
        // A request waits a few seconds for a connection, then says the database is away.
        let during = try await http("GET", "\(server.base)/v1/runs")
        #expect(during.status == 503 && during.body["error"]?["code"] == "store_unavailable", "\(during)")
        // Away longer than a few quick retries would last.
        try await Task.sleep(for: .seconds(4))
        #expect(try await http("GET", "\(server.base)/readyz").status == 503)
        try await PostgresTestCluster.psql("ALTER DATABASE \(database) ALLOW_CONNECTIONS true", url: admin)
        try await eventually(timeout: .seconds(90), "/readyz recovers") { try await http("GET", "\(server.base)/readyz").status == 200 }
        #expect(try await http("GET", "\(server.base)/v1/runs").status == 200, "the API answers again")
        try await eventually(timeout: .seconds(60), "the run finishes once the database is back") {
            try await http("GET", "\(server.base)/v1/runs/\(run)").body["phase"] == "completed"
        }
        let finished = try await http("GET", "\(server.base)/v1/runs/\(run)").body
        #expect(finished["output"]?.stringValue == (1...100).map { "w\($0)" }.joined(separator: " "), "the whole answer, recorded once")
    }

    @Test("a database that cannot be reached, or is newer than this Aloft, is refused with a clear error and the password masked")
    func badDatabases() async throws {
        let folder = try temporaryFolder()
        let down = "postgres://aloft:s3cret-pass@127.0.0.1:\(try freePort())/nothing"
        let unreachable = try await AloftProcess.run(["serve", "--port", "\(try freePort())", "--store", down], directory: folder)
        #expect(unreachable.status == 1, "\(unreachable.stderr)")
        #expect(unreachable.stderr.contains("cannot connect to the database at postgres://aloft:***@127.0.0.1"), "\(unreachable.stderr)")
        #expect(!unreachable.stderr.contains("s3cret-pass"))

        let url = try await PostgresTestCluster.freshDatabase()
        #expect(try await AloftProcess.run(["runs", "list", "--store", url], directory: folder).status == 0, "migrates a new database")
        try await PostgresTestCluster.psql("INSERT INTO aloft_schema (step, applied_at) VALUES ('v99-from-the-future', 0)", url: url)
        let newer = try await AloftProcess.run(["runs", "list", "--store", url], directory: folder)
        #expect(newer.status == 1 && newer.stderr.contains("migrated by a newer Aloft (schema step 'v99-from-the-future')"), "\(newer.stderr)")
        let wrongPassword = url.replacingOccurrences(of: "aloft:aloft@", with: "aloft:wrong@")
        let refused = try await AloftProcess.run(["runs", "list", "--store", wrongPassword], directory: folder)
        #expect(refused.status == 1 && refused.stderr.contains("password authentication failed"), "\(refused.stderr)")
    }
}
