import AloftCore
import Synchronization

/// One MCP session: initializes, then sends requests numbered by id and matches the server's
/// replies to them (in any order). Notifications that the tool list changed are passed on; the
/// server's own requests are answered (`ping`) or refused (-32601). When the channel ends,
/// every request waiting fails, so nothing hangs on a server that died.
final class MCPClient: Sendable {
    /// The protocol version asked for; servers answer with one they speak.
    static let protocolVersion = "2025-06-18"

    private typealias Reply = AsyncThrowingStream<JSONValue, any Error>.Continuation

    private struct State {
        var nextId = 1
        var waiting: [Int: Reply] = [:]
        var closed: (any Error)?
        var serverInfo: JSONValue = .null
    }

    let channel: any MCPChannel
    private let state = Mutex(State())
    private let reader = Mutex<Task<Void, Never>?>(nil)
    private let onToolsChanged: @Sendable () -> Void

    private init(channel: any MCPChannel, onToolsChanged: @escaping @Sendable () -> Void) {
        self.channel = channel
        self.onToolsChanged = onToolsChanged
    }

    /// Opens the session over `channel`: initialize, then `notifications/initialized`.
    /// `onToolsChanged` is called when the server says its tool list changed.
    static func connect(_ channel: any MCPChannel, timeoutSeconds: Double, onToolsChanged: @escaping @Sendable () -> Void = {}) async throws -> MCPClient {
        let client = MCPClient(channel: channel, onToolsChanged: onToolsChanged)
        client.startReading()
        do {
            let result = try await client.request(
                "initialize",
                params: [
                    "protocolVersion": .string(protocolVersion), "capabilities": [:],
                    "clientInfo": ["name": "aloft", "version": .string(AloftVersion.current)],
                ],
                timeoutSeconds: timeoutSeconds
            )
            client.state.withLock { $0.serverInfo = result["serverInfo"] ?? .null }
            try await channel.send(["jsonrpc": "2.0", "method": "notifications/initialized"])
            return client
        } catch {
            await client.close()
            throw error
        }
    }

    private func startReading() {
        // The task holds the client until the channel ends (or `close` cancels it).
        let task = Task {
            do {
                for try await message in channel.incoming { await self.handle(message) }
                self.fail(MCPChannelError(message: "the MCP server closed the session"))
            } catch {
                self.fail(error)
            }
        }
        reader.withLock { $0 = task }
    }

    private func fail(_ error: any Error) {
        let waiting = state.withLock { state -> [Reply] in
            state.closed = state.closed ?? error
            defer { state.waiting = [:] }
            return Array(state.waiting.values)
        }
        for reply in waiting { reply.finish(throwing: error) }
    }

    private func handle(_ message: JSONValue) async {
        if let method = message["method"]?.stringValue {
            if let id = message["id"], id != .null {
                // The server asks something of us: only ping is answered.
                let reply: JSONValue =
                    method == "ping"
                    ? ["jsonrpc": "2.0", "id": id, "result": [:]]
                    : ["jsonrpc": "2.0", "id": id, "error": ["code": -32601, "message": .string("Aloft does not offer \(method.prefix(100))")]]
                try? await channel.send(reply)
            } else if method == "notifications/tools/list_changed" {
                onToolsChanged()
            }
            return
        }
        guard let id = message["id"]?.integer(in: 0...Int.max), let reply = state.withLock({ $0.waiting.removeValue(forKey: id) }) else { return }
        if let error = message["error"], error != .null {
            reply.finish(
                throwing: MCPProtocolError(code: error["code"]?.integer(in: -1_000_000...1_000_000) ?? 0, message: error["message"]?.stringValue ?? "error")
            )
        } else {
            reply.yield(message["result"] ?? .null)
            reply.finish()
        }
    }

    /// What the server said about itself at initialization.
    var serverInfo: JSONValue { state.withLock { $0.serverInfo } }

    /// Whether the session is over (the server went away).
    var isClosed: Bool { state.withLock { $0.closed != nil } }

    /// Sends a request and waits for its result, at most `timeoutSeconds`; a JSON-RPC error is
    /// an `MCPProtocolError`, a server gone an `MCPChannelError`. A cancelled request is
    /// cancelled on the server too.
    func request(_ method: String, params: JSONValue, timeoutSeconds: Double) async throws -> JSONValue {
        let (replies, reply) = AsyncThrowingStream.makeStream(of: JSONValue.self)
        let id: Int = try state.withLock { state in
            if let closed = state.closed { throw closed }
            defer { state.nextId += 1 }
            state.waiting[state.nextId] = reply
            return state.nextId
        }
        defer { state.withLock { _ = $0.waiting.removeValue(forKey: id) } }
        let message: JSONValue = ["jsonrpc": "2.0", "id": .number(Double(id)), "method": .string(method), "params": params]
        do {
            return try await withThrowingTaskGroup(of: JSONValue?.self) { group in
                group.addTask {
                    for try await result in replies { return result }
                    throw MCPChannelError(message: "the MCP server sent no result for \(method)")
                }
                group.addTask {
                    try await self.channel.send(message)
                    try await Task.sleep(for: .seconds(timeoutSeconds))
                    throw MCPChannelError(message: "the MCP server did not answer \(method) within \(Int(timeoutSeconds)) s")
                }
                defer { group.cancelAll() }
                while let result = try await group.next() {
                    if let result { return result }
                }
                throw MCPChannelError(message: "the MCP server sent no result for \(method)")
            }
        } catch {
            if Task.isCancelled {
                // Tell the server to stop working on it (best effort).
                try? await channel.send(["jsonrpc": "2.0", "method": "notifications/cancelled", "params": ["requestId": .number(Double(id))]])
            }
            throw error
        }
    }

    /// Ends the session and the server's process.
    func close() async {
        reader.withLock { $0 }?.cancel()
        await channel.close()
        fail(MCPChannelError(message: "the MCP session was closed"))
    }
}

/// A JSON-RPC error the server answered a request with.
struct MCPProtocolError: Error, Sendable, CustomStringConvertible {
    var code: Int
    var message: String
    var description: String { "\(message) (\(code))" }
}
