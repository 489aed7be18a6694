/// One entry of an allow-list of hosts: `api.example.com` (that host on the scheme's
/// default port), `*.example.org` (the domain and its subdomains), `localhost:8080` (that
/// port), `example.com:*` (any port), `[::1]:9000`. Ports matter: an entry without one
/// does not open the host's other ports.
public struct HostPattern: Sendable, Hashable, CustomStringConvertible {
    /// Lowercased, without brackets; starts with `*.` for a wildcard.
    public let host: String
    /// nil: the scheme's default port (80, 443).
    public let port: Int?
    public let anyPort: Bool
    public let description: String

    /// Parses an entry; nil when it is not a host, a host and port, or a wildcard.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard !trimmed.isEmpty, !trimmed.contains("/"), !trimmed.contains("@") else { return nil }
        var host = trimmed
        var portText: Substring?
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]") else { return nil }
            host = String(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
            let rest = trimmed[trimmed.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
            }
        } else if let colon = trimmed.lastIndex(of: ":"), trimmed.firstIndex(of: ":") == colon {
            host = String(trimmed[..<colon])
            portText = trimmed[trimmed.index(after: colon)...]
        }
        guard !host.isEmpty, host != "*", !host.dropFirst(host.hasPrefix("*.") ? 2 : 0).contains("*") else { return nil }
        self.host = host
        self.description = text
        switch portText {
        case nil:
            port = nil
            anyPort = false
        case "*":
            port = nil
            anyPort = true
        case let text?:
            guard let number = Int(text), (1...65535).contains(number) else { return nil }
            port = number
            anyPort = false
        }
    }

    /// Whether this names one host exactly (not a wildcard): such an entry may point at a
    /// loopback or private address, since someone wrote that host down on purpose.
    public var isExact: Bool { !host.hasPrefix("*.") }

    /// Whether `host` on `port` (for `scheme`) is allowed by this entry.
    public func matches(host: String, port: Int?, scheme: String) -> Bool {
        let host = host.lowercased()
        let effectivePort = port ?? Self.defaultPort(scheme)
        if !anyPort, effectivePort != (self.port ?? Self.defaultPort(scheme)) { return false }
        if self.host.hasPrefix("*.") {
            let base = String(self.host.dropFirst(2))
            return host == base || host.hasSuffix("." + base)
        }
        return host == self.host
    }

    static func defaultPort(_ scheme: String) -> Int {
        scheme.lowercased() == "https" ? 443 : 80
    }
}
