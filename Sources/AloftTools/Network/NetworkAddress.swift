#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOPosix

/// What kind of address a tool's request would reach. Loopback, private, link-local
/// (169.254.0.0/16, where cloud metadata endpoints live), unique-local and unspecified
/// addresses are inside the server's own network: tools reach them only when a person
/// named the host exactly.
public enum NetworkAddress {
    /// Whether `text` is an IP address literal (v4 or v6, brackets allowed).
    public static func isLiteral(_ text: String) -> Bool {
        bytes(of: text) != nil
    }

    /// Whether the IP literal `text` is loopback, private, link-local or otherwise internal;
    /// nil when `text` is not an IP literal.
    public static func isInternal(_ text: String) -> Bool? {
        guard let bytes = bytes(of: text) else { return nil }
        return isInternal(bytes)
    }

    /// Whether a host name is internal by name alone (`localhost` and its subdomains).
    public static func isInternalName(_ host: String) -> Bool {
        let host = host.lowercased()
        return host == "localhost" || host.hasSuffix(".localhost") || host == "localhost.localdomain"
    }

    /// The addresses `host` resolves to (IP literals stand for themselves).
    public static func resolve(_ host: String) async throws -> [String] {
        if isLiteral(host) { return [host] }
        return try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var result: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, nil, &hints, &result)
            guard status == 0, let first = result else { throw ResolutionError(host: host) }
            defer { freeaddrinfo(first) }
            var addresses: [String] = []
            var cursor: UnsafeMutablePointer<addrinfo>? = first
            while let entry = cursor {
                var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
                if getnameinfo(entry.pointee.ai_addr, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                    addresses.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
                }
                cursor = entry.pointee.ai_next
            }
            return addresses
        }
    }

    /// A host name that does not resolve.
    public struct ResolutionError: Error, Sendable {
        public var host: String
    }

    private static func bytes(of text: String) -> [UInt8]? {
        var text = text
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) }  // fe80::1%eth0
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    private static func isInternal(_ b: [UInt8]) -> Bool {
        if b.count == 4 {
            switch (b[0], b[1]) {
            case (0, _), (10, _), (127, _): return true  // this network, private, loopback
            case (100, 64...127): return true  // carrier-grade NAT
            case (169, 254): return true  // link-local, cloud metadata
            case (172, 16...31), (192, 168): return true  // private
            case (192, 0) where b[2] == 0: return true  // IETF protocol assignments
            case (198, 18...19): return true  // benchmarking
            default: return b[0] >= 224  // multicast, reserved, broadcast
            }
        }
        guard b.count == 16 else { return true }
        if b[0..<15].allSatisfy({ $0 == 0 }) { return true }  // :: and ::1
        if b[0..<10].allSatisfy({ $0 == 0 }), b[10] == 0xFF, b[11] == 0xFF { return isInternal(Array(b[12..<16])) }  // ::ffff:a.b.c.d
        if b[0] == 0x64, b[1] == 0xFF, b[2] == 0x9B, b[3..<12].allSatisfy({ $0 == 0 }) { return isInternal(Array(b[12..<16])) }  // 64:ff9b::/96
        if b[0] & 0xFE == 0xFC { return true }  // unique local fc00::/7
        if b[0] == 0xFE, b[1] & 0xC0 == 0x80 { return true }  // link-local fe80::/10
        if b[0] == 0xFF { return true }  // multicast
        return false
    }
}
