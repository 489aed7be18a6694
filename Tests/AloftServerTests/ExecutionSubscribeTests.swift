import AloftCore
import AloftExecutionAPI
import Foundation
import GRPCCore
import Testing

@Suite("gRPC executions: subscribe")
struct ExecutionSubscribeTests {
    static let server = TestServer(
        replies: [
            ScriptedReply(toolCalls: [.init(name: "current_time")]),
            ScriptedReply(text: "It is later than you think, and the answer streams in words.", chunkDelayMilliseconds: 20),
        ],
        approval: ["current_time"]
    )

    @Test("two subscribers to a run that needs approval and streams: the snapshot first, then every event as it happens, ending at the terminal phase")
    func twoSubscribers() async throws {
        try await ExecutionAPI.with(Self.server) { api in
            let id = try await api.commands.create(ExecutionAPI.execution(agent: "scripted", message: "Time?")).metadata.id
            async let first = api.subscribe(id)
            async let second = api.subscribe(id)
            let waiting = try await api.waitFor(id, [.waitingForApproval])
            try await api.wiring.engine.resolveApproval(runId: id, decision: ApprovalDecision(callId: waiting.status.pendingApprovals[0].toolCallID, approved: true))
            let streams = try await [first, second]
            let stored = try await api.wiring.engine.reader.events(runId: id, after: 0).map(\.seq)
            for updates in streams {
                guard case .snapshot(let snapshot)? = updates.first?.update else {
                    Issue.record("the snapshot comes first: \(updates.first.map { "\($0)" } ?? "nothing")")
                    continue
                }
                #expect(snapshot.metadata.id == id)
                let events = updates.dropFirst().compactMap { update -> Aloft_Execution_V1_ExecutionEvent? in
                    if case .event(let event)? = update.update { return event }
                    return nil
                }
                #expect(events.count == updates.count - 1, "one snapshot, then events")
                #expect(events.last?.kind == "run_completed", "the stream ends at the terminal event: \(events.map(\.kind))")
                #expect(events.map(\.kind).contains("tool_call_started") && events.map(\.kind).contains("run_content"), "\(events.map(\.kind))")
                let numbers = events.map(\.sequence)
                #expect(numbers == numbers.sorted() && Set(numbers).count == numbers.count, "numbers rise: \(numbers)")
                let expected = stored.filter { $0 > Int(snapshot.status.sequence) }.map(Int64.init)
                #expect(numbers == expected, "every event after the snapshot, none missing: \(numbers) vs \(expected)")
                let text = events.filter { $0.kind == "run_content" }.compactMap { $0.data.fields["delta"]?.stringValue }.joined()
                #expect(text.hasSuffix("the answer streams in words."), "\(text)")
            }
        }
    }

    @Test("a subscription resumes after a sequence number; one to a finished execution is its snapshot; bad requests are refused")
    func resume() async throws {
        try await ExecutionAPI.with(Self.server) { api in
            let id = try await api.commands.create(ExecutionAPI.execution(agent: "scripted", message: "Time?")).metadata.id
            let waiting = try await api.waitFor(id, [.waitingForApproval])
            try await api.wiring.engine.resolveApproval(runId: id, decision: ApprovalDecision(callId: waiting.status.pendingApprovals[0].toolCallID, approved: true))
            let done = try await api.waitFor(id, [.completed])
            let whole = try await api.subscribe(id)
            #expect(whole.count == 1 && whole.first?.snapshot.status.phase == .completed, "a finished execution: its snapshot alone")
            let resumed = try await api.subscribe(id, after: waiting.status.sequence)
            let numbers = resumed.dropFirst().map(\.event.sequence)
            let stored = try await api.wiring.engine.reader.events(runId: id, after: Int(waiting.status.sequence)).map { Int64($0.seq) }
            #expect(resumed.first?.snapshot.status.phase == .completed && numbers == stored && resumed.last?.event.kind == "run_completed", "\(numbers)")
            #expect(await rpcCode { try await api.subscribe(id, after: done.status.sequence + 5) } == .invalidArgument)
            #expect(await rpcCode { try await api.subscribe(id, after: -1) } == .invalidArgument)
            #expect(await rpcCode { try await api.subscribe("run_nope") } == .notFound)
        }
    }
}
