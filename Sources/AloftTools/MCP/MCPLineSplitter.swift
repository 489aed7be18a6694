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
