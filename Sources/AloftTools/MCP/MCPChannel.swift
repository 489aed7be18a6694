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

/// Splits a byte stream into lines of at most `maxBytes`: a server that never ends a line
/// is an error, not unbounded memory.
package struct MCPLineSplitter: Sendable {
    package static let maxBytes = 16 << 20
    private var buffer: [UInt8] = []

    package init() {}

    package mutating func feed(_ bytes: some Sequence<UInt8>) throws -> [String] {
        var lines: [String] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if buffer.last == UInt8(ascii: "\r") { buffer.removeLast() }
                if !buffer.isEmpty { lines.append(String(decoding: buffer, as: UTF8.self)) }
                buffer.removeAll(keepingCapacity: true)
            } else {
                buffer.append(byte)
                guard buffer.count <= Self.maxBytes else {
                    throw MCPChannelError(message: "the MCP server sent a message larger than \(Self.maxBytes >> 20) MiB")
                }
            }
        }
        return lines
    }
}
