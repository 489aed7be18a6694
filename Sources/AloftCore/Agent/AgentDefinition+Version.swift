import Foundation

extension AgentDefinition {
    /// A content hash of the definition: equal definitions share a version, and a run
    /// records the version it started with so later edits do not change it.
    public var version: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(self)) ?? Data(name.utf8)
        // FNV-1a, 64 bits: a stable identity for deduplication, not a security hash.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
