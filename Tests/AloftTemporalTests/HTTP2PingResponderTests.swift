import NIOCore
import NIOEmbedded
import Testing

@testable import AloftTemporal

@Suite("HTTP/2 PING responder")
struct HTTP2PingResponderTests {
    static func frame(type: UInt8, flags: UInt8 = 0, stream: UInt32 = 0, payload: [UInt8]) -> [UInt8] {
        let length = payload.count
        return [UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff), type, flags]
            + [UInt8(stream >> 24 & 0x7f), UInt8(stream >> 16 & 0xff), UInt8(stream >> 8 & 0xff), UInt8(stream & 0xff)] + payload
    }

    @Test("whatever the chunking, PINGs are answered with their payload and taken out; every other byte passes, in order", arguments: 0..<200)
    func randomChunking(seed: UInt64) throws {
        var random = SplitMix(seed: seed)
        var expectedOut: [UInt8] = []
        var expectedAcks: [[UInt8]] = []
        var input: [UInt8] = []
        for _ in 0..<Int(random.next() % 20 + 1) {
            switch random.next() % 4 {
            case 0:
                let payload = (0..<8).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                input += Self.frame(type: 0x6, payload: payload)
                expectedAcks.append(Self.frame(type: 0x6, flags: 0x1, payload: payload))
            case 1:
                // An ACK of the client's own PING goes on to the HTTP/2 handler.
                let ack = Self.frame(type: 0x6, flags: 0x1, payload: Array(repeating: 7, count: 8))
                input += ack
                expectedOut += ack
            default:
                let payload = (0..<Int(random.next() % 3000)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                let data = Self.frame(type: UInt8(random.next() % 2), stream: UInt32(random.next() % 100 + 1), payload: payload)
                input += data
                expectedOut += data
            }
        }
        let channel = EmbeddedChannel(handler: HTTP2PingResponder(counting: ConnectionEventCount()))
        var offset = 0
        while offset < input.count {
            let size = min(input.count - offset, Int(random.next() % 40) + 1)
            try channel.writeInbound(ByteBuffer(bytes: input[offset..<offset + size]))
            offset += size
        }
        var out: [UInt8] = []
        while let chunk = try channel.readInbound(as: ByteBuffer.self) { out += Array(chunk.readableBytesView) }
        var acks: [[UInt8]] = []
        while let chunk = try channel.readOutbound(as: ByteBuffer.self) { acks.append(Array(chunk.readableBytesView)) }
        #expect(out == expectedOut)
        #expect(acks == expectedAcks)
    }
}

/// A small deterministic generator, so a failing seed can be replayed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
