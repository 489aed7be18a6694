import AloftCore
import AloftTestSupport
import Foundation
import Testing

@Suite("The SQL analyst example", .serialized, .timeLimit(.minutes(2)))
struct SQLAnalystTests {
    @Test("pointed at an OpenAI-compatible server, the analyst answers from the sample database through the SQL tools")
    func analyst() async throws {
        let folder = try temporaryFolder()
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        // The example as shipped, next to sample data made by the shipped script.
        let data = (folder as NSString).appendingPathComponent("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let script = Process()
        script.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        script.arguments = ["python3", repository.appendingPathComponent("examples/data/make_shop_db.py").path, "\(data)/shop.db"]
        try script.run()
        script.waitUntilExit()
        #expect(script.terminationStatus == 0)
        let agents = (folder as NSString).appendingPathComponent("agents")
        try FileManager.default.createDirectory(atPath: agents, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: repository.appendingPathComponent("examples/agents/sql-analyst.yaml").path, toPath: "\(agents)/sql-analyst.yaml"
        )

        let model = FakeModelServer(replies: [
            .toolCalls([ToolCall(id: "c1", name: "list_tables", arguments: "{}")]),
            .toolCalls([ToolCall(id: "c2", name: "sql_query", arguments: #"{"sql":"SELECT COUNT(*) AS n FROM orders"}"#)]),
            .toolCalls([ToolCall(id: "c3", name: "sql_query", arguments: #"{"sql":"DELETE FROM orders"}"#)]),
            .text("There are 1500 orders."),
        ])
        let result = try await model.run { baseURL in
            try await AloftProcess.run(
                ["run", "--agent", "agents/sql-analyst.yaml", "--db", "aloft.db", "How many orders are there?"], directory: folder,
                environment: ["OPENAI_BASE_URL": baseURL, "OPENAI_API_KEY": "test-key"]
            )
        }
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("There are 1500 orders."))
        let requests = model.requests
        #expect(requests.count == 4)
        #expect(requests.first?.headers["authorization"] == "Bearer test-key")
        #expect(requests.first?.body["model"] == "gpt-4o-mini")
        let tools = requests.first?.body["tools"]?.jsonText() ?? ""
        #expect(tools.contains("list_tables") && tools.contains("describe_table") && tools.contains("sql_query"))
        let transcript = requests.last?.body["messages"]?.jsonText() ?? ""
        #expect(transcript.contains(#"customers"#) && transcript.contains(#"order_items"#), "the tables reached the model")
        #expect(transcript.contains(#"[[1500]]"#), "the query result reached the model")
        #expect(transcript.contains("only read-only queries"), "the write was refused and the model was told")
    }
}
