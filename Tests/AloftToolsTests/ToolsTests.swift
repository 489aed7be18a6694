import AloftCore
import AloftTestSupport
import AsyncHTTPClient
import Foundation
import GRDB
import Hummingbird
import Synchronization
import Testing

@testable import AloftTools

private func sampleDatabase() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("aloft-tools-\(UUID().uuidString).db").path
    let queue = try DatabaseQueue(path: path)
    try queue.write { db in
        try db.execute(sql: "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT NOT NULL, total REAL)")
        for index in 1...300 {
            try db.execute(sql: "INSERT INTO orders (customer, total) VALUES (?, ?)", arguments: ["c\(index % 7)", Double(index)])
        }
    }
    return path
}

private let context = ToolCallContext(runId: "run-1", callId: "call-1", idempotencyKey: "run-1:call-1")

private func environment(_ variables: [String: String] = [:]) -> ToolEnvironment {
    ToolEnvironment(baseDirectory: "/", variables: variables, client: ToolHTTPClient.shared, timeoutSeconds: 5)
}

@Suite("SQL tools")
struct SQLToolsTests {
    @Test("list, describe and query a database")
    func readTools() async throws {
        let database = try ReadOnlySQLiteDatabase(path: try sampleDatabase(), maxRows: 50)
        #expect(try await ListTablesTool(database: database).call([:], context: context) == #"{"tables":["orders"]}"#)
        let description = try JSONValue.parse(try await DescribeTableTool(database: database).call(["table": "orders"], context: context))
        #expect(description["row_count"] == 300)
        #expect(description["columns"]?.jsonText().contains(#""name":"customer""#) == true)
        let result = try JSONValue.parse(
            try await SQLQueryTool(database: database).call(["sql": "SELECT customer, COUNT(*) AS n FROM orders GROUP BY customer ORDER BY customer LIMIT 2"], context: context)
        )
        #expect(result["columns"] == ["customer", "n"])
        #expect(result["rows"] == [["c0", 42], ["c1", 43]])
    }

    @Test("large results are cut at max_rows and say so")
    func truncation() async throws {
        let database = try ReadOnlySQLiteDatabase(path: try sampleDatabase(), maxRows: 50)
        let result = try JSONValue.parse(try await SQLQueryTool(database: database).call(["sql": "SELECT * FROM orders"], context: context))
        #expect(result["row_count"] == 50)
        #expect(result["truncated"] != nil)
    }

    @Test("the database is read-only by construction", arguments: [
        "DELETE FROM orders", "UPDATE orders SET total = 0", "DROP TABLE orders", "INSERT INTO orders (customer) VALUES ('x')",
        "SELECT 1; DELETE FROM orders", "ATTACH DATABASE '/tmp/x.db' AS x", "PRAGMA query_only = 0",
    ])
    func readOnly(sql: String) async throws {
        let path = try sampleDatabase()
        let database = try ReadOnlySQLiteDatabase(path: path)
        await #expect(throws: ToolError.self) { try await SQLQueryTool(database: database).call(["sql": .string(sql)], context: context) }
        let count = try await DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM orders") }
        #expect(count == 300)
    }

    @Test("results are capped in bytes too: a huge blob or text does not flood the run")
    func byteCap() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aloft-blob-\(UUID().uuidString).db").path
        try await DatabaseQueue(path: path).write { db in
            try db.execute(sql: "CREATE TABLE files (name TEXT, content BLOB)")
            try db.execute(sql: "INSERT INTO files VALUES ('big', zeroblob(30000000))")
            for index in 0..<200 { try db.execute(sql: "INSERT INTO files VALUES (?, ?)", arguments: ["f\(index)", String(repeating: "y", count: 10_000)]) }
        }
        let database = try ReadOnlySQLiteDatabase(path: path, maxRows: 10_000)
        let text = try await SQLQueryTool(database: database).call(["sql": "SELECT * FROM files"], context: context)
        #expect(text.utf8.count < 400 * 1024, "a 30 MB blob and 2 MB of text become a bounded result")
        let result = try JSONValue.parse(text)
        #expect(result["truncated"] != nil)
        #expect(result["cells_cut"] != nil)
    }

    @Test("Aloft's own database cannot be opened by an agent, whatever path names it")
    func ownDatabaseForbidden() throws {
        let path = try sampleDatabase()
        let folder = (path as NSString).deletingLastPathComponent
        let sneaky = folder + "/./sub/../" + (path as NSString).lastPathComponent
        #expect(throws: ToolConfigurationError.self) { try ReadOnlySQLiteDatabase(path: sneaky, forbidden: [path]) }
    }

    @Test("bad SQL and unknown tables are errors the model can act on")
    func errors() async throws {
        let database = try ReadOnlySQLiteDatabase(path: try sampleDatabase())
        await #expect { try await SQLQueryTool(database: database).call(["sql": "SELEC * FROM orders"], context: context) } throws: {
            ($0 as? ToolError)?.message.contains("syntax error") == true
        }
        await #expect { try await DescribeTableTool(database: database).call(["table": "customers"], context: context) } throws: {
            ($0 as? ToolError)?.message.contains("tables: orders") == true
        }
        await #expect { try await SQLQueryTool(database: database).call(["sql": "SELECT 1; SELECT 2"], context: context) } throws: {
            guard let message = ($0 as? ToolError)?.message else { return false }
            return message.contains("one statement per call") && !message.contains("Database.execute")
        }
    }
}

@Suite("HTTP tools")
struct HTTPToolsTests {
    @Test("a declarative HTTP tool fills the URL, expands secrets, sends the body and the idempotency key")
    func declarativeTool() async throws {
        let seen = Mutex<[(path: String, query: String?, key: String?, auth: String?, body: String)]>([])
        let router = Router()
        router.post("/projects/:project/tickets") { request, _ -> String in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
            seen.withLock {
                $0.append((request.uri.path, request.uri.query, request.headers[.init("Idempotency-Key")!], request.headers[.authorization], body))
            }
            return #"{"ticket":42}"#
        }
        let result = try await withTestHTTPServer(router: router) { port in
            let spec = HTTPToolSpec(
                name: "create_ticket", description: "Creates a ticket", method: "POST",
                url: "http://127.0.0.1:\(port)/projects/{project}/tickets",
                headers: ["Authorization": "Bearer ${TICKETS_TOKEN}"],
                parameters: ["type": "object"]
            )
            let tool = try HTTPTool(spec: spec, environment: ["TICKETS_TOKEN": "s3cret"], client: ToolHTTPClient.shared)
            return try await tool.call(["project": "a b", "title": "Broken"], context: context)
        }
        let request = try #require(seen.withLock { $0.first })
        #expect(request.path == "/projects/a%20b/tickets")
        #expect(request.key == "run-1:call-1")
        #expect(request.auth == "Bearer s3cret")
        #expect(try JSONValue.parse(request.body) == ["title": "Broken"])
        #expect(result.contains("\"status\":200"))
    }

    @Test("server errors are retryable tool errors; client errors are not")
    func statusErrors() async throws {
        let router = Router()
        router.get("/busy") { _, _ -> Response in Response(status: .serviceUnavailable) }
        router.get("/missing") { _, _ -> Response in Response(status: .notFound) }
        try await withTestHTTPServer(router: router) { port in
            let tool = try HTTPGetTool(allowedHosts: ["127.0.0.1:\(port)"], client: ToolHTTPClient.shared)
            await #expect { try await tool.call(["url": .string("http://127.0.0.1:\(port)/busy")], context: context) } throws: {
                ($0 as? ToolError)?.isRetryable == true
            }
            await #expect { try await tool.call(["url": .string("http://127.0.0.1:\(port)/missing")], context: context) } throws: {
                ($0 as? ToolError)?.isRetryable == false
            }
        }
    }

    @Test("http_get refuses hosts that are not allowed")
    func allowList() async throws {
        let tool = try HTTPGetTool(allowedHosts: ["*.example.com"], client: ToolHTTPClient.shared)
        await #expect { try await tool.call(["url": "http://169.254.169.254/latest"], context: context) } throws: {
            ($0 as? ToolError)?.code == .notAllowed
        }
        await #expect { try await tool.call(["url": "http://example.com.evil.net/"], context: context) } throws: {
            ($0 as? ToolError)?.code == .notAllowed
        }
        #expect(throws: ToolConfigurationError.self) { try HTTPGetTool(allowedHosts: ["http://x.test/path"], client: ToolHTTPClient.shared) }
    }

    @Test("host patterns: ports matter, wildcards cover subdomains only")
    func hostPatterns() throws {
        let plain = try #require(HostPattern("api.example.com"))
        #expect(plain.matches(host: "api.example.com", port: nil, scheme: "https"))
        #expect(plain.matches(host: "API.example.com", port: 443, scheme: "https"))
        #expect(!plain.matches(host: "api.example.com", port: 8080, scheme: "https"), "an entry without a port opens only the default one")
        let wildcard = try #require(HostPattern("*.example.org"))
        #expect(wildcard.matches(host: "a.b.example.org", port: nil, scheme: "http"))
        #expect(!wildcard.matches(host: "example.org.evil.net", port: nil, scheme: "http"))
        #expect(!wildcard.isExact)
        #expect(try #require(HostPattern("localhost:*")).matches(host: "localhost", port: 9, scheme: "http"))
        #expect(try #require(HostPattern("[::1]:8080")).matches(host: "::1", port: 8080, scheme: "http"))
        for bad in ["", "*", "a/b", "x:0", "x:99999", "*.*.x", "user@x"] { #expect(HostPattern(bad) == nil, "\(bad)") }
    }

    @Test("http_get: a port not allowed is refused, even on an allowed host")
    func portsMatter() async throws {
        let router = Router()
        router.get("/v1/runs") { _, _ -> String in "secret transcripts" }
        try await withTestHTTPServer(router: router) { port in
            let tool = try HTTPGetTool(allowedHosts: ["127.0.0.1"], client: ToolHTTPClient.shared)
            await #expect { try await tool.call(["url": .string("http://127.0.0.1:\(port)/v1/runs")], context: context) } throws: {
                ($0 as? ToolError)?.code == .notAllowed
            }
        }
    }

    @Test("redirects are re-checked at every hop: an allowed host cannot send the tool elsewhere")
    func redirectsAreChecked() async throws {
        let reached = Mutex<[String]>([])
        let inner = Router()
        inner.get("/admin") { request, _ -> String in
            reached.withLock { $0.append(request.headers[.authorization] ?? "-") }
            return "internal"
        }
        try await withTestHTTPServer(router: inner) { innerPort in
            let outer = Router()
            outer.get("/go") { _, _ -> Response in
                Response(status: .found, headers: [.location: "http://127.0.0.1:\(innerPort)/admin"])
            }
            outer.get("/here") { _, _ -> Response in Response(status: .movedPermanently, headers: [.location: "/landing"]) }
            outer.get("/landing") { _, _ -> String in "landed" }
            outer.post("/tickets") { _, _ -> Response in Response(status: .temporaryRedirect, headers: [.location: "http://127.0.0.1:\(innerPort)/admin"]) }
            try await withTestHTTPServer(router: outer) { outerPort in
                let get = try HTTPGetTool(allowedHosts: ["127.0.0.1:\(outerPort)"], client: ToolHTTPClient.shared)
                await #expect { try await get.call(["url": .string("http://127.0.0.1:\(outerPort)/go")], context: context) } throws: {
                    ($0 as? ToolError)?.code == .notAllowed
                }
                let landed = try await get.call(["url": .string("http://127.0.0.1:\(outerPort)/here")], context: context)
                #expect(landed.contains("landed"), "a redirect within the allowed origin is followed")
                let spec = HTTPToolSpec(
                    name: "t", description: "", method: "POST", url: "http://127.0.0.1:\(outerPort)/tickets",
                    headers: ["Authorization": "Bearer ${TOKEN}"]
                )
                let tool = try HTTPTool(spec: spec, environment: ["TOKEN": "s3cret"], client: ToolHTTPClient.shared)
                await #expect { try await tool.call([:], context: context) } throws: { ($0 as? ToolError)?.code == .notAllowed }
            }
        }
        #expect(reached.withLock { $0 }.isEmpty, "no request reached the host behind the redirect")
    }

    @Test("a wildcard never reaches internal addresses; an exact entry may")
    func internalAddresses() async throws {
        let wildcard = try HTTPGetTool(allowedHosts: ["*.localhost:*"], client: ToolHTTPClient.shared)
        await #expect { try await wildcard.call(["url": "http://api.localhost:1/"], context: context) } throws: {
            ($0 as? ToolError)?.code == .notAllowed && ($0 as? ToolError)?.message.contains("internal") == true
        }
        #expect(NetworkAddress.isInternal("169.254.169.254") == true)
        #expect(NetworkAddress.isInternal("10.1.2.3") == true)
        #expect(NetworkAddress.isInternal("::ffff:127.0.0.1") == true)
        #expect(NetworkAddress.isInternal("fd00::1") == true)
        #expect(NetworkAddress.isInternal("93.184.216.34") == false)
        #expect(NetworkAddress.isInternal("2606:4700::1") == false)
        #expect(NetworkAddress.isInternal("example.com") == nil)
    }

    @Test("an HTTP tool's host must be written out, so the model cannot choose it")
    func templatedHostRefused() {
        #expect(HTTPToolSpec.origin(of: "https://{host}/x") == nil)
        #expect(HTTPToolSpec.origin(of: "https://api.test:8443/{id}")! == ("https", "api.test", 8443))
        #expect(throws: ToolConfigurationError.self) {
            try HTTPTool(spec: HTTPToolSpec(name: "t", description: "", url: "http://{h}.test/"), environment: [:], client: ToolHTTPClient.shared)
        }
    }

    @Test("response bodies are capped")
    func bodyCap() async throws {
        let router = Router()
        router.get("/big") { _, _ -> String in String(repeating: "x", count: 1 << 20) }
        try await withTestHTTPServer(router: router) { port in
            let tool = try HTTPGetTool(allowedHosts: ["127.0.0.1:\(port)"], client: ToolHTTPClient.shared)
            let result = try JSONValue.parse(try await tool.call(["url": .string("http://127.0.0.1:\(port)/big")], context: context))
            #expect(result["truncated"] == true)
            #expect((result["body"]?.stringValue?.utf8.count ?? 0) <= 256 * 1024)
        }
    }
}

@Suite("Toolbox")
struct ToolboxTests {
    @Test("every configuration problem is reported, naming its tool")
    func configurationProblems() throws {
        let agent = AgentDefinition(
            name: "a", instructions: "", model: ModelSettings(provider: .scripted, name: "s", script: []),
            tools: [
                ToolSpec(builtin: "teleport"), ToolSpec(builtin: "sql_query"), ToolSpec(builtin: "list_tables", database: "missing.db"),
                ToolSpec(builtin: "http_get"),
                ToolSpec(http: HTTPToolSpec(name: "t", description: "", url: "http://x", headers: ["A": "${NOPE_TOKEN}"])),
            ]
        )
        #expect { try Toolbox(agent: agent, environment: environment()) } throws: { error in
            let problems = (error as? ToolConfigurationError)?.problems ?? []
            return problems.count == 5 && problems[0].contains("unknown builtin 'teleport'") && problems[1].contains("needs 'database'")
                && problems[2].contains("does not exist") && problems[3].contains("allowed_hosts") && problems[4].contains("NOPE_TOKEN")
        }
    }

    @Test("a valid agent's tools are offered in file order")
    func validToolbox() throws {
        let agent = AgentDefinition(
            name: "a", instructions: "", model: ModelSettings(provider: .scripted, name: "s", script: []),
            tools: [ToolSpec(builtin: "sql_query", database: try sampleDatabase()), ToolSpec(builtin: "current_time")]
        )
        #expect(try Toolbox(agent: agent, environment: environment()).definitions.map(\.name) == ["sql_query", "current_time"])
    }
}
