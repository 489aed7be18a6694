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
    ToolEnvironment(baseDirectory: "/", variables: variables, client: .shared, timeoutSeconds: 5)
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

    @Test("bad SQL and unknown tables are errors the model can act on")
    func errors() async throws {
        let database = try ReadOnlySQLiteDatabase(path: try sampleDatabase())
        await #expect { try await SQLQueryTool(database: database).call(["sql": "SELEC * FROM orders"], context: context) } throws: {
            ($0 as? ToolError)?.message.contains("syntax error") == true
        }
        await #expect { try await DescribeTableTool(database: database).call(["table": "customers"], context: context) } throws: {
            ($0 as? ToolError)?.message.contains("tables: orders") == true
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
            let tool = HTTPTool(spec: spec, environment: ["TICKETS_TOKEN": "s3cret"], client: .shared)
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
            let tool = HTTPGetTool(allowedHosts: ["127.0.0.1"], client: .shared)
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
        let tool = HTTPGetTool(allowedHosts: ["*.example.com"], client: .shared)
        #expect(tool.isAllowed(host: "api.example.com"))
        #expect(tool.isAllowed(host: "example.com"))
        #expect(!tool.isAllowed(host: "example.com.evil.net"))
        await #expect { try await tool.call(["url": "http://169.254.169.254/latest"], context: context) } throws: {
            ($0 as? ToolError)?.code == .notAllowed
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
