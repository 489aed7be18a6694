import AloftCore
import AloftLLM
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// An error answered by an Aloft server.
struct APIClientError: Error, CustomStringConvertible {
    var status: Int
    var code: String
    var message: String
    var description: String { "\(code) (HTTP \(status)): \(message)" }
}

/// A small client of Aloft's REST + SSE API, for `aloft chat --server`.
struct AloftAPIClient: Sendable {
    let baseURL: String
    let apiKey: String?
    let client: HTTPClient

    private func prepare(_ method: HTTPMethod, _ path: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        return request
    }

    /// Sends a JSON request; returns the JSON answer or throws the server's error.
    @discardableResult
    func send(_ method: HTTPMethod, _ path: String, json: JSONValue? = nil) async throws -> JSONValue {
        var request = prepare(method, path)
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json.jsonText()))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        let value = (try? JSONValue.parse(String(buffer: body))) ?? .null
        guard (200..<300).contains(response.status.code) else {
            throw APIClientError(
                status: Int(response.status.code), code: value["error"]?["code"]?.stringValue ?? "http_error",
                message: value["error"]?["message"]?.stringValue ?? String(buffer: body)
            )
        }
        return value
    }

    /// A run's events over SSE, reconnecting with `Last-Event-ID` if the connection drops.
    func events(runId: String, after: Int) -> AsyncThrowingStream<RunEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                var last = after
                var attempts = 0
                do {
                    while !Task.isCancelled {
                        var request = prepare(.GET, "/v1/runs/\(runId)/events")
                        request.headers.add(name: "Last-Event-ID", value: String(last))
                        request.headers.add(name: "Accept", value: "text/event-stream")
                        let response = try await client.execute(request, timeout: .hours(24))
                        guard response.status == .ok else {
                            let body = try await response.body.collect(upTo: 1 << 20)
                            throw APIClientError(status: Int(response.status.code), code: "http_error", message: String(buffer: body))
                        }
                        var parser = ServerSentEventParser()
                        for try await chunk in response.body {
                            for sse in try parser.feed(chunk.readableBytesView) {
                                // The event log replays everything after `last` in order (a pause after the
                                // text before it), so the snapshot adds nothing here.
                                if sse.event == "snapshot" { continue }
                                guard let value = try? JSONValue.parse(sse.data), let event = Self.event(value) else { continue }
                                last = event.seq
                                continuation.yield(event)
                                if event.kind.isTerminal {
                                    continuation.finish()
                                    return
                                }
                            }
                        }
                        attempts += 1
                        if attempts > 5 { break }
                        try await Task.sleep(for: .milliseconds(500))
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    static func event(_ value: JSONValue) -> RunEvent? {
        guard let runId = value["run_id"]?.stringValue, let seq = value["seq"]?.integer(in: 0...Int.max),
            let type = value["type"]?.stringValue, let kind = RunEvent.Kind(rawValue: type)
        else { return nil }
        return RunEvent(runId: runId, seq: seq, kind: kind, data: value["data"] ?? [:])
    }
}

/// Runs on an Aloft server.
struct RemoteRunChannel: RunChannel {
    let api: AloftAPIClient

    var commandSuffix: String {
        ProcessInfo.processInfo.environment["ALOFT_SERVER"] == api.baseURL ? "" : " --server \(api.baseURL)"
    }

    func events(runId: String, after: Int) -> AsyncThrowingStream<RunEvent, any Error> {
        api.events(runId: runId, after: after)
    }

    func resolve(runId: String, decision: ApprovalDecision) async throws {
        var item: [String: JSONValue] = ["tool_call_id": .string(decision.callId), "approved": .bool(decision.approved)]
        if let reason = decision.reason { item["reason"] = .string(reason) }
        if let decidedBy = decision.decidedBy { item["decided_by"] = .string(decidedBy) }
        try await api.send(.POST, "/v1/runs/\(runId)/approval", json: ["decisions": [.object(item)]])
    }

    func cancel(runId: String, reason: String) async throws {
        try await api.send(.POST, "/v1/runs/\(runId)/cancel", json: ["reason": .string(reason)])
    }

    func summary(runId: String) async throws -> (phase: RunPhase, line: String) {
        let run = try await api.send(.GET, "/v1/runs/\(runId)")
        let phase = run["phase"]?.stringValue.flatMap(RunPhase.init) ?? .running
        let usage = "\(run["iterations"]?.integer(in: 0...Int.max) ?? 0) model call(s)"
        switch phase {
        case .completed: return (phase, "✓ run \(runId) completed · \(usage)")
        case .failed: return (phase, "✗ run \(runId) failed · \(run["error"]?["message"]?.stringValue ?? "")")
        case .cancelled: return (phase, "■ run \(runId) cancelled · \(usage)")
        default: return (phase, "… run \(runId) is \(phase.rawValue)")
        }
    }
}
