import Foundation

/// Identifiers that sort by creation time: a prefix, 10 characters of milliseconds and 16
/// random ones (Crockford base 32), like ULIDs.
enum Identifier {
    private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")

    static func make(_ prefix: String, at date: Date = Date()) -> String {
        var text = prefix + "_"
        var millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var time: [Character] = []
        for _ in 0..<10 {
            time.append(alphabet[Int(millis & 31)])
            millis >>= 5
        }
        text += String(time.reversed())
        // 80 random bits from two draws: each draw is a system call, so not one per character.
        var random = SystemRandomNumberGenerator()
        var bits: UInt64 = random.next()
        for index in 0..<16 {
            if index == 12 { bits = random.next() }
            text.append(alphabet[Int(bits & 31)])
            bits >>= 5
        }
        return text
    }
}

extension LocalEngine {
    /// A new identifier of the kind the engine gives (`run`, `ses`, …), for callers that choose
    /// a run's or a session's id before starting it (`StartRunRequest.runId`, `newSessionId`).
    public func newIdentifier(_ prefix: String) -> String {
        Identifier.make(prefix, at: configuration.now())
    }
}
