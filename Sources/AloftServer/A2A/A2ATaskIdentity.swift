import Crypto
import Foundation

/// The run id a client's message starts: derived from the agent and the message id, so a
/// message sent again (a client's retry, an A2A tool retried after a crash) finds the task
/// the first one started instead of starting another.
enum A2ATaskIdentity {
    private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")

    /// `run_` and 26 characters of SHA-256 (130 bits) of the agent and message id.
    static func runId(agent: String, messageId: String) -> String {
        let digest = Array(SHA256.hash(data: Data("a2a\u{0}\(agent)\u{0}\(messageId)".utf8)))
        var text = "run_"
        var bits = 0
        var buffer = 0
        for byte in digest {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5, text.count < 30 {
                bits -= 5
                text.append(alphabet[(buffer >> bits) & 31])
            }
            buffer &= (1 << bits) - 1
            if text.count == 30 { break }
        }
        return text
    }
}
