import AloftCore
import AloftEngine
import AloftServer
import AloftStore
import Foundation
import Logging
import Testing

@Suite("Server configuration and agent loading")
struct ConfigurationTests {
    @Test("a YAML file, then the environment, set the configuration; problems are named")
    func layers() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aloft-\(UUID().uuidString).yaml").path
        try "host: 0.0.0.0\nport: 9000\napi_keys: [file-key-0123456789]\nmax_body_bytes: 2048\n".write(toFile: path, atomically: true, encoding: .utf8)
        var configuration = ServerConfiguration()
        try configuration.apply(file: path)
        #expect(configuration.port == 9000)
        #expect(configuration.effectiveHost == "0.0.0.0", "with keys the asked address is used")
        try configuration.apply(environment: ["ALOFT_PORT": "9100", "ALOFT_API_KEYS": "", "ALOFT_DB": "/tmp/x.db"])
        #expect(configuration.port == 9100)
        #expect(configuration.database == "/tmp/x.db")
        #expect(configuration.bindsLoopbackOnly)
        #expect(configuration.effectiveHost == "127.0.0.1", "without keys the server listens on loopback only")
        #expect(throws: ConfigurationError.self) { try configuration.apply(environment: ["ALOFT_PORT": "eighty"]) }
        configuration.apiKeys = ["short"]
        configuration.port = 70000
        #expect(configuration.problems().count == 2)
    }

    @Test("security settings are read from the file; a misspelt key is an error, not a silent default")
    func securitySettings() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aloft-config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/aloft.yaml"
        try """
            cors_origins: [https://console.example.com]
            idle_timeout_seconds: 10
            retention_days: 30
            retention_scope: whole_runs
            outbound: { connect_timeout_seconds: 3, connections_per_host: 16 }
            api_agents:
              inline_definitions: false
              secrets: [TICKETS_TOKEN]
              model_base_urls: [http://127.0.0.1:8000/v1]
              sql_directories: [data]
              internal_hosts: [10.0.0.5]
            """.write(toFile: path, atomically: true, encoding: .utf8)
        var configuration = ServerConfiguration(apiKeys: ["k-0123456789abcdef"])
        try configuration.apply(file: path)
        #expect(configuration.corsOrigins == ["https://console.example.com"])
        #expect(configuration.idleTimeoutSeconds == 10)
        #expect(configuration.retentionDays == 30)
        #expect(configuration.retentionScope == .wholeRuns)
        #expect(ServerConfiguration().retentionScope == .journalAndEvents, "by default the runs stay, their journals and events go")
        #expect(configuration.outbound.connectionsPerHost == 16)
        #expect(!configuration.acceptsInlineAgents)
        #expect(configuration.apiAgents.secrets == ["TICKETS_TOKEN"])
        #expect(configuration.apiAgents.sqlDirectories == [folder + "/data"], "relative to the configuration file")
        #expect(configuration.problems().isEmpty)
        #expect(ServerConfiguration(apiKeys: ["k-0123456789abcdef"]).acceptsInlineAgents, "on by default with keys")
        #expect(!ServerConfiguration().acceptsInlineAgents, "off by default without keys")

        try "retention_scope: everything\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try configuration.apply(file: path) } throws: { "\($0)".contains("retention_scope must be one of journal_and_events, journal, whole_runs") }
        try "api_agents:\n  secret: [X]\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try configuration.apply(file: path) } throws: { "\($0)".contains("unknown field 'secret'") }
        // Every problem of the file at once, each with its line, as agent files report them.
        try "databse: /tmp/x.db\nport: eighty\napi_agents:\n  secret: [X]\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try configuration.apply(file: path) } throws: { error in
            let lines = "\(error)".split(separator: "\n").map(String.init)
            return lines.count == 3 && lines[0].hasPrefix("\(path): line 1: databse: unknown field 'databse'")
                && lines[1].hasPrefix("\(path): line 2: port: expected an integer") && lines[2].hasPrefix("\(path): line 4: api_agents.secret: unknown field")
        }
        configuration.corsOrigins = ["*"]
        configuration.outbound.connectionsPerHost = 0
        #expect(configuration.problems().count == 2)
    }

    @Test("a bad agent file is reported by name, line and field; the others load")
    func agentsDirectory() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aloft-agents-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "name: good\nmodel: { provider: scripted, script: [{ text: hi }] }\n".write(toFile: "\(folder)/good.yaml", atomically: true, encoding: .utf8)
        try "name: bad\nmodel:\n  provider: scripted\n  script: []\npolicies:\n  max_iterations: lots\n"
            .write(toFile: "\(folder)/bad.yaml", atomically: true, encoding: .utf8)
        try "not an agent".write(toFile: "\(folder)/notes.txt", atomically: true, encoding: .utf8)
        let store = try SQLiteStore(path: "\(folder)/aloft.db")
        let engine = LocalEngine(store: store, configuration: EngineConfiguration(environment: [:]), logger: Logger(label: "test"))
        let registry = AgentRegistry(store: store)
        let problems = try await registry.load(directory: folder, validate: engine.validate)
        #expect(registry.agent(named: "good") != nil)
        #expect(registry.agent(named: "bad") == nil)
        #expect(problems.count == 1)
        #expect(problems.first?.contains("bad.yaml: line 6: policies.max_iterations: expected an integer") == true, "\(problems)")
    }
}
