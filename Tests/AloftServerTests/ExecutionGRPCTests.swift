import AloftCore
import AloftEngine
import AloftExecutionAPI
import Foundation
import GRPCCore
import GRPCInProcessTransport
import Synchronization
import Testing

@testable import AloftServer

typealias CommandClient = Aloft_Execution_V1_AgentExecutionCommandService.Client<InProcessTransport.Client>
typealias QueryClient = Aloft_Execution_V1_AgentExecutionQueryService.Client<InProcessTransport.Client>

/// The gRPC API's services over grpc-swift's in-process transport, on a server wired as
/// `aloft serve` wires it.
struct ExecutionAPI {
    let commands: CommandClient
    let queries: QueryClient
    let wiring: ServerWiring

    static func with<Result: Sendable>(
        _ server: TestServer = TestServer(), keys: [String] = [], _ body: @Sendable (ExecutionAPI) async throws -> Result
    ) async throws -> Result {
        try await server.runWired { _, wiring in
            let transport = InProcessTransport()
            let grpc = GRPCServer(
                transport: transport.server, services: ExecutionGRPCServer.services(engine: wiring.engine, agents: wiring.agents, records: wiring.executionRecords),
                interceptors: ExecutionGRPCServer.interceptors(keys: keys)
            )
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await grpc.serve() }
                defer { grpc.beginGracefulShutdown() }
                return try await withGRPCClient(transport: transport.client) { client in
                    try await body(ExecutionAPI(commands: CommandClient(wrapping: client), queries: QueryClient(wrapping: client), wiring: wiring))
                }
            }
        }
    }

    static func execution(agent: String = "", session: String = "", message: String = "Hi", labels: [String: String] = [:]) -> Aloft_Execution_V1_AgentExecution {
        var execution = Aloft_Execution_V1_AgentExecution()
        execution.spec.agent = agent
        execution.spec.sessionID = session
        execution.spec.message = message
        execution.metadata.labels = labels
        return execution
    }

    static func get(_ id: String) -> Aloft_Execution_V1_GetRequest {
        var request = Aloft_Execution_V1_GetRequest()
        request.id = id
        return request
    }

    /// Reads until the execution is in one of `phases`.
    func waitFor(_ id: String, _ phases: Set<Aloft_Execution_V1_ExecutionPhase>) async throws -> Aloft_Execution_V1_AgentExecution {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let execution = try await queries.get(Self.get(id))
            if phases.contains(execution.status.phase) { return execution }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw RPCError(code: .deadlineExceeded, message: "execution \(id) never reached \(phases)")
    }

    /// Everything one Subscribe call sends, until its stream ends.
    func subscribe(_ id: String, after: Int64 = 0, metadata: Metadata = [:]) async throws -> [Aloft_Execution_V1_SubscribeResponse] {
        var request = Aloft_Execution_V1_SubscribeRequest()
        request.id = id
        request.afterSequence = after
        return try await queries.subscribe(request, metadata: metadata) { response in
            var updates: [Aloft_Execution_V1_SubscribeResponse] = []
            for try await update in response.messages { updates.append(update) }
            return updates
        }
    }
}

/// The code of the error `body` throws.
func rpcCode(_ body: () async throws -> some Any) async -> RPCError.Code? {
    do {
        _ = try await body()
        return nil
    } catch let error as RPCError {
        return error.code
    } catch {
        return .unknown
    }
}

/// The error `body` throws, as a gRPC error.
func rpcError(_ body: () async throws -> some Any) async -> RPCError? {
    do {
        _ = try await body()
        return nil
    } catch {
        return error as? RPCError
    }
}

@Suite("gRPC executions: create, read, list")
struct ExecutionCreateTests {
    @Test("create with an agent starts a run in a new session; with that session, the next turn; the execution reads back as it ran")
    func createWithAgentThenSession() async throws {
        let server = TestServer(replies: [ScriptedReply(text: "First answer."), ScriptedReply(text: "Second answer.")])
        try await ExecutionAPI.with(server) { api in
            var named = ExecutionAPI.execution(agent: "scripted", message: "Hello", labels: ["team": "search"])
            named.metadata.name = "  Nightly report: Q3!  "
            let created = try await api.commands.create(named)
            #expect(created.metadata.name == "Nightly report: Q3!" && created.metadata.slug == "nightly-report-q3", "\(created.metadata)")
            #expect(created.metadata.audit.createdBy == "anonymous" && created.metadata.audit.updatedBy == "anonymous")
            named.metadata.name = "nightly REPORT q3"
            let taken = await rpcError { try await api.commands.create(named) }
            #expect(taken?.code == .alreadyExists && taken?.message.contains("nightly-report-q3") == true, "\(String(describing: taken))")
            #expect(try await api.wiring.engine.reader.runs(RunQuery(limit: 10)).count == 1, "a taken slug starts nothing")
            #expect(created.metadata.id.hasPrefix("run_") && !created.spec.sessionID.isEmpty, "\(created)")
            #expect([.pending, .running].contains(created.status.phase) && created.spec.runner == .aloft)
            #expect(created.metadata.labels == ["team": "search"] && created.metadata.audit.hasCreatedAt)
            let done = try await api.waitFor(created.metadata.id, [.completed, .failed])
            #expect(done.metadata.slug == "nightly-report-q3" && done.metadata.name == created.metadata.name, "Get reads the record")
            #expect(done.status.phase == .completed && done.status.output == "First answer.", "\(done.status)")
            #expect(done.status.messages.map(\.role) == [.user, .assistant] && done.status.messages.first?.content == "Hello")
            #expect(done.status.sequence > 0 && done.status.usage.outputTokens > 0 && done.status.hasFinishedAt)

            let next = try await api.commands.create(ExecutionAPI.execution(session: created.spec.sessionID, message: "Again"))
            #expect(next.spec.sessionID == created.spec.sessionID && next.spec.agent == "scripted")
            let second = try await api.waitFor(next.metadata.id, [.completed])
            #expect(second.status.messages.map(\.content) == ["Again", second.status.output], "this turn's messages: \(second.status.messages)")
            // The same run over REST: one execution, one run.
            let run = try await api.wiring.engine.reader.run(id: next.metadata.id)
            #expect(run?.sessionId == created.spec.sessionID && run?.input == "Again")
        }
    }

    @Test("neither agent nor session, unknown ones, and fields Aloft sets are refused with the field named")
    func refusals() async throws {
        try await ExecutionAPI.with { api in
            let neither = await rpcError { try await api.commands.create(ExecutionAPI.execution()) }
            #expect(neither?.code == .invalidArgument && neither?.message.contains("spec.agent") == true, "\(String(describing: neither))")
            let unknownAgent = await rpcError { try await api.commands.create(ExecutionAPI.execution(agent: "nobody")) }
            #expect(unknownAgent?.code == .notFound && unknownAgent?.message.contains("nobody") == true)
            let unknownSession = await rpcError { try await api.commands.create(ExecutionAPI.execution(session: "ses_nope")) }
            #expect(unknownSession?.code == .notFound && unknownSession?.message.contains("spec.session_id") == true)
            let badSession = await rpcError { try await api.commands.create(ExecutionAPI.execution(session: "ses/../../etc")) }
            #expect(badSession?.code == .invalidArgument && badSession?.message.contains("spec.session_id") == true)
            var withId = ExecutionAPI.execution(agent: "scripted")
            withId.metadata.id = "run_mine"
            #expect(await rpcError { try await api.commands.create(withId) }?.message.contains("metadata.id") == true)
            var withStatus = ExecutionAPI.execution(agent: "scripted")
            withStatus.status.phase = .completed
            #expect(await rpcError { try await api.commands.create(withStatus) }?.message.contains("status") == true)
            var controlled = ExecutionAPI.execution(agent: "scripted")
            controlled.metadata.name = "bad\u{202E}name"
            #expect(await rpcError { try await api.commands.create(controlled) }?.message.contains("metadata.name") == true)
            controlled.metadata.name = "!!!"
            #expect(await rpcError { try await api.commands.create(controlled) }?.message.contains("metadata.name") == true)
            let empty = await rpcError { try await api.commands.create(ExecutionAPI.execution(agent: "scripted", message: "")) }
            #expect(empty?.code == .invalidArgument && empty?.message.contains("spec.message") == true)
            let huge = await rpcError { try await api.commands.create(ExecutionAPI.execution(agent: "scripted", message: String(repeating: "x", count: 2 << 20))) }
            #expect(huge?.code == .invalidArgument || huge?.code == .resourceExhausted, "\(String(describing: huge))")
            let manyLabels = Dictionary(uniqueKeysWithValues: (0..<33).map { ("k\($0)", "v") })
            #expect(await rpcError { try await api.commands.create(ExecutionAPI.execution(agent: "scripted", labels: manyLabels)) }?.message.contains("metadata.labels") == true)
            let badKey = await rpcError { try await api.commands.create(ExecutionAPI.execution(agent: "scripted", labels: ["bad key\u{0}": "v"])) }
            #expect(badKey?.code == .invalidArgument && badKey?.message.contains("metadata.labels") == true)
            let started = try await api.wiring.engine.reader.runs(RunQuery(limit: 10))
            #expect(started.isEmpty, "nothing refused was started")
            #expect(await rpcCode { try await api.queries.get(ExecutionAPI.get("run_nope")) } == .notFound)
            #expect(await rpcCode { try await api.queries.get(ExecutionAPI.get("")) } == .invalidArgument)
        }
    }

    @Test("list: newest first, a page at a time, filtered by phase, agent and labels; by session; bad tokens refused")
    func listing() async throws {
        let server = TestServer(replies: (0..<6).map { ScriptedReply(text: "Answer \($0).") })
        try await ExecutionAPI.with(server) { api in
            var ids: [String] = []
            for index in 0..<5 {
                let created = try await api.commands.create(ExecutionAPI.execution(agent: "scripted", message: "n\(index)", labels: ["team": index % 2 == 0 ? "even" : "odd"]))
                _ = try await api.waitFor(created.metadata.id, [.completed])
                ids.append(created.metadata.id)
            }
            var seen: [String] = []
            var request = Aloft_Execution_V1_ListRequest()
            request.pageSize = 2
            var pages = 0
            repeat {
                let page = try await api.queries.list(request)
                seen += page.executions.map(\.metadata.id)
                request.pageToken = page.nextPageToken
                pages += 1
            } while !request.pageToken.isEmpty && pages < 10
            #expect(seen == ids.reversed() && pages == 3, "pages of two, newest first: \(seen) in \(pages)")

            var byLabel = Aloft_Execution_V1_ListRequest()
            byLabel.labels = ["team": "even"]
            #expect(try await api.queries.list(byLabel).executions.map(\.metadata.id) == [ids[4], ids[2], ids[0]])
            var byPhase = Aloft_Execution_V1_ListRequest()
            byPhase.phase = .running
            #expect(try await api.queries.list(byPhase).executions.isEmpty)
            byPhase.phase = .completed
            byPhase.agent = "scripted"
            #expect(try await api.queries.list(byPhase).executions.count == 5)

            let session = try await api.queries.get(ExecutionAPI.get(ids[1])).spec.sessionID
            let turn = try await api.commands.create(ExecutionAPI.execution(session: session, message: "more"))
            _ = try await api.waitFor(turn.metadata.id, [.completed])
            var bySession = Aloft_Execution_V1_ListBySessionRequest()
            bySession.sessionID = session
            bySession.pageSize = 1
            let first = try await api.queries.listBySession(bySession)
            #expect(first.executions.map(\.metadata.id) == [turn.metadata.id] && !first.nextPageToken.isEmpty)
            bySession.pageToken = first.nextPageToken
            let second = try await api.queries.listBySession(bySession)
            #expect(second.executions.map(\.metadata.id) == [ids[1]] && second.nextPageToken.isEmpty)

            request.pageToken = "not-a-token"
            #expect(await rpcError { try await api.queries.list(request) }?.message.contains("page_token") == true)
            request.pageToken = ""
            request.pageSize = 500
            #expect(await rpcError { try await api.queries.list(request) }?.message.contains("page_size") == true)
            bySession.sessionID = "ses_nope"
            bySession.pageToken = ""
            #expect(await rpcCode { try await api.queries.listBySession(bySession) } == .notFound)
        }
    }

    @Test("delete: refused while under way, then returns the finished execution, which is gone; update and update_status are for external runners")
    func deleteAndUpdates() async throws {
        let server = TestServer(replies: [ScriptedReply(toolCalls: [.init(name: "current_time")]), ScriptedReply(text: "Done.")], approval: ["current_time"])
        try await ExecutionAPI.with(server) { api in
            let created = try await api.commands.create(ExecutionAPI.execution(agent: "scripted"))
            let id = created.metadata.id
            let waiting = try await api.waitFor(id, [.waitingForApproval])
            #expect(waiting.status.pendingApprovals.map(\.toolName) == ["current_time"])
            #expect(waiting.status.toolCalls.map(\.state) == [.waitingForApproval])
            var delete = Aloft_Execution_V1_DeleteRequest()
            delete.id = id
            #expect(await rpcCode { try await api.commands.delete(delete) } == .failedPrecondition)
            var update = created
            update.spec.message = "changed"
            #expect(await rpcCode { try await api.commands.update(update) } == .failedPrecondition)
            var status = Aloft_Execution_V1_UpdateStatusRequest()
            status.id = id
            status.status.phase = .completed
            #expect(await rpcCode { try await api.commands.updateStatus(status) } == .failedPrecondition)
            status.id = "run_nope"
            #expect(await rpcCode { try await api.commands.updateStatus(status) } == .notFound)

            try await api.wiring.engine.resolveApproval(runId: id, decision: ApprovalDecision(callId: waiting.status.pendingApprovals[0].toolCallID, approved: true))
            let done = try await api.waitFor(id, [.completed])
            #expect(done.status.toolCalls.map(\.state) == [.succeeded] && !done.status.toolCalls[0].result.isEmpty)
            let deleted = try await api.commands.delete(delete)
            #expect(deleted.metadata.id == id && deleted.status.output == "Done.")
            #expect(await rpcCode { try await api.queries.get(ExecutionAPI.get(id)) } == .notFound)
        }
    }

    @Test("with API keys: no key or a wrong one is UNAUTHENTICATED, the right one passes")
    func keys() async throws {
        let key = "test-key-0123456789abcdef"
        try await ExecutionAPI.with(keys: [key]) { api in
            var list = Aloft_Execution_V1_ListRequest()
            list.pageSize = 1
            #expect(await rpcCode { try await api.queries.list(list) } == .unauthenticated)
            #expect(await rpcCode { try await api.queries.list(list, metadata: ["authorization": "Bearer wrong-key-0123456789"]) } == .unauthenticated)
            #expect(await rpcCode { try await api.commands.create(ExecutionAPI.execution(agent: "scripted")) } == .unauthenticated)
            #expect(await rpcCode { try await api.queries.list(list, metadata: ["authorization": "bearer \(key)"]) } == nil)
            let created = try await api.commands.create(ExecutionAPI.execution(agent: "scripted"), metadata: ["authorization": "Bearer \(key)"])
            #expect(created.metadata.audit.createdBy == "api key …cdef", "who created it, by the key's last characters: \(created.metadata.audit)")
            let started = try await api.wiring.engine.reader.runs(RunQuery(limit: 10))
            #expect(started.count == 1, "nothing started without a key")
        }
    }
}
