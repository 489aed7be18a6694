/// One server-sent event.
public struct ServerSentEvent: Sendable, Hashable {
    public var event: String?
    public var data: String
    public var id: String?

    public init(event: String? = nil, data: String, id: String? = nil) {
        self.event = event
        self.data = data
        self.id = id
    }
}

/// An event stream that breaks the parser's limits.
public struct ServerSentEventError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Incremental `text/event-stream` parser: feed it bytes as they arrive, get whole events.
/// Bounded: a line or an event larger than `maxEventBytes` is an error, not unbounded
/// memory, and each byte is scanned once however the stream is split.
public struct ServerSentEventParser: Sendable {
    /// Largest line, and largest event (its data lines together), in bytes.
    public let maxEventBytes: Int
    private var buffer: [UInt8] = []
    /// How far `buffer` has been searched for a line end.
    private var scanned = 0
    private var event: String?
    private var data: [String] = []
    private var dataBytes = 0
    private var id: String?

    public init(maxEventBytes: Int = 16 << 20) {
        self.maxEventBytes = maxEventBytes
    }

    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(ServerSentEventError) -> [ServerSentEvent] {
        buffer.append(contentsOf: bytes)
        var events: [ServerSentEvent] = []
        var lineStart = 0
        var index = scanned
        while index < buffer.count {
            let byte = buffer[index]
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if byte == UInt8(ascii: "\r"), index + 1 == buffer.count {
                    break  // wait for a possible "\n"
                }
                let line = String(decoding: buffer[lineStart..<index], as: UTF8.self)
                if byte == UInt8(ascii: "\r"), buffer[index + 1] == UInt8(ascii: "\n") {
                    index += 1
                }
                if let complete = try handle(line) { events.append(complete) }
                lineStart = index + 1
            }
            index += 1
        }
        buffer.removeFirst(lineStart)
        scanned = index - lineStart
        if buffer.count > maxEventBytes {
            throw ServerSentEventError(message: "an event stream line is longer than \(maxEventBytes) bytes")
        }
        return events
    }

    /// Whatever event is left when the stream ends without a blank line.
    public mutating func finish() throws(ServerSentEventError) -> ServerSentEvent? {
        if !buffer.isEmpty {
            let line = String(decoding: buffer, as: UTF8.self)
            buffer.removeAll()
            scanned = 0
            if let event = try handle(line) { return event }
        }
        return try handle("")
    }

    private mutating func handle(_ line: String) throws(ServerSentEventError) -> ServerSentEvent? {
        if line.isEmpty {
            defer {
                event = nil
                data = []
                dataBytes = 0
            }
            guard !data.isEmpty else { return nil }
            return ServerSentEvent(event: event, data: data.joined(separator: "\n"), id: id)
        }
        if line.hasPrefix(":") { return nil }
        let field: Substring
        var value: Substring
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            value = line[line.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
        } else {
            field = Substring(line)
            value = ""
        }
        switch field {
        case "event": event = String(value)
        case "data":
            dataBytes += value.utf8.count + 1
            guard dataBytes <= maxEventBytes else {
                throw ServerSentEventError(message: "an event is larger than \(maxEventBytes) bytes")
            }
            data.append(String(value))
        case "id": id = String(value)
        default: break
        }
        return nil
    }
}
