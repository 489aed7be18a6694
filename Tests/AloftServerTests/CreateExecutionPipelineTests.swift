import AloftCore
import AloftExecutionAPI
import GRPCCore
import Testing

@testable import AloftServer

/// The steps of `Create` that need no server, one by one.
@Suite("Create pipeline steps")
struct CreateExecutionPipelineTests {
    @Test("validate fields: the draft holds what was asked, trimmed; each field out of bounds is named")
    func validateFields() throws {
        var execution = Aloft_Execution_V1_AgentExecution()
        execution.metadata.name = " Weekly digest "
        execution.metadata.labels = ["team": "ops"]
        execution.spec.agent = "digest"
        execution.spec.message = "Go."
        execution.spec.correlationID = "job-7"
        let draft = try CreateExecutionPipeline.validateFields(execution, maxInputBytes: 100)
        #expect(draft == .init(name: "Weekly digest", agent: "digest", sessionId: nil, message: "Go.", correlationId: "job-7", labels: ["team": "ops"]))
        let cases: [(String, (inout Aloft_Execution_V1_AgentExecution) -> Void)] = [
            ("metadata.id", { $0.metadata.id = "run_x" }),
            ("metadata.slug", { $0.metadata.slug = "x" }),
            ("metadata.name", { $0.metadata.name = String(repeating: "n", count: 201) }),
            ("metadata.labels", { $0.metadata.labels = ["": "v"] }),
            ("spec.message", { $0.spec.message = String(repeating: "m", count: 101) }),
            ("spec.session_id", { $0.spec.sessionID = "ses 1" }),
            ("spec.instance_id", { $0.spec.instanceID = "inst_1" }),
            ("spec.runner", { $0.spec.runner = .external }),
            ("spec.correlation_id", { $0.spec.correlationID = String(repeating: "c", count: 201) }),
            ("status", { $0.status.output = "done" }),
        ]
        for (field, change) in cases {
            var bad = execution
            change(&bad)
            #expect(throws: RPCError.self, "\(field)") { try CreateExecutionPipeline.validateFields(bad, maxInputBytes: 100) }
            do {
                _ = try CreateExecutionPipeline.validateFields(bad, maxInputBytes: 100)
            } catch let error as RPCError {
                #expect(error.code == .invalidArgument && error.message.hasPrefix(field), "\(field): \(error.message)")
            }
        }
    }

    @Test("a session or an agent is required; the slug comes from the name, or from the run id")
    func sessionOrAgentAndSlug() throws {
        let none = CreateExecutionPipeline.Draft(name: nil, agent: nil, sessionId: nil, message: "x", correlationId: nil, labels: [:])
        #expect(throws: RPCError.self) { try CreateExecutionPipeline.requireSessionOrAgent(none) }
        var session = none
        session.sessionId = "ses_1"
        try CreateExecutionPipeline.requireSessionOrAgent(session)
        #expect(try CreateExecutionPipeline.resolveSlug(name: "Déjà vu -- Report #2", runId: "run_1") == "d-j-vu-report-2")
        #expect(try CreateExecutionPipeline.resolveSlug(name: nil, runId: "run_01ABC") == "run-01abc")
        #expect(throws: RPCError.self) { try CreateExecutionPipeline.resolveSlug(name: "—", runId: "run_1") }
        #expect(ExecutionRecord.slug(of: String(repeating: "ab ", count: 40))?.count ?? 0 <= 63)
        #expect(ExecutionRecord.slug(of: String(repeating: "ab ", count: 40))?.hasSuffix("-") == false)
    }
}
