import AloftCore

/// A way to exchange MCP's JSON-RPC messages with one server: a child process's stdio, or
/// streamable HTTP. Messages from the server (replies, notifications, its own requests)
/// arrive on `incoming`, which ends when the server is gone.
protocol MCPChannel: Sendable {
    var incoming: AsyncThrowingStream<JSONValue, any Error> { get }
    /// Sends one message. Over HTTP, the server's answers to it are on `incoming` when this
    /// returns.
    func send(_ message: JSONValue) async throws
    /// Ends the session (stops the process, or tells the HTTP server).
    func close() async
}

/// A server that cannot be reached or went away: the call may be retried (the server is
/// started again).
struct MCPChannelError: Error, Sendable, CustomStringConvertible {
    var message: String
    var description: String { message }
}
