import NIOCore
import Synchronization

/// Answers the server's HTTP/2 PINGs below the HTTP/2 handler, which never sees them.
///
/// The Temporal frontend (grpc-go) sends a bandwidth-estimation PING after DATA frames, several
/// per workflow; swift-nio-http2 counts them against a flood limit (200 per 30 s, not
/// configurable through grpc-swift's transport) and then closes the connection with
/// GOAWAY(ENHANCE_YOUR_CALM), failing every call on it. Answering them here — the frame with
/// its ACK flag set, as RFC 9113 §6.7 asks — keeps the connection, whatever the traffic.
/// Every other frame (PING ACKs for the client's own keepalive included) passes through.
final class HTTP2PingResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private static let headerLength = 9
    private static let pingType: UInt8 = 0x6
    private static let ackFlag: UInt8 = 0x1

    /// Bytes received and not yet passed on or answered.
    private var buffer: ByteBuffer?
    /// Payload bytes of the frame being passed on that have not arrived yet.
    private var passing = 0
    /// Counts the PINGs answered (shared by the connection's channels).
    private let answered: ConnectionEventCount

    init(counting answered: ConnectionEventCount) {
        self.answered = answered
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var input = unwrapInboundIn(data)
        if buffer == nil { buffer = context.channel.allocator.buffer(capacity: input.readableBytes) }
        buffer!.writeBuffer(&input)
        var forward = context.channel.allocator.buffer(capacity: buffer!.readableBytes)
        while true {
            if passing > 0 {
                let count = min(passing, buffer!.readableBytes)
                guard count > 0, var slice = buffer!.readSlice(length: count) else { break }
                forward.writeBuffer(&slice)
                passing -= count
                continue
            }
            guard buffer!.readableBytes >= Self.headerLength,
                let high = buffer!.getInteger(at: buffer!.readerIndex, as: UInt8.self),
                let low = buffer!.getInteger(at: buffer!.readerIndex + 1, as: UInt16.self),
                let type = buffer!.getInteger(at: buffer!.readerIndex + 3, as: UInt8.self),
                let flags = buffer!.getInteger(at: buffer!.readerIndex + 4, as: UInt8.self)
            else { break }
            let length = Int(high) << 16 | Int(low)
            if type == Self.pingType, flags & Self.ackFlag == 0, length == 8 {
                guard var ping = buffer!.readSlice(length: Self.headerLength + length) else { break }
                var ack = context.channel.allocator.buffer(capacity: ping.readableBytes)
                ack.writeBuffer(&ping)
                ack.setInteger(flags | Self.ackFlag, at: ack.readerIndex + 4)
                answered.add()
                context.writeAndFlush(wrapOutboundOut(ack), promise: nil)
            } else {
                guard var header = buffer!.readSlice(length: Self.headerLength) else { break }
                forward.writeBuffer(&header)
                passing = length
            }
        }
        buffer!.discardReadBytes()
        if forward.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(forward)) }
    }
}

/// Something that happens on a connection's channels (a PING answered, a channel opened),
/// counted over its life.
final class ConnectionEventCount: Sendable {
    private let value = Atomic<Int>(0)

    func add() { value.add(1, ordering: .relaxed) }

    var total: Int { value.load(ordering: .relaxed) }
}
