/// Where a Temporal frontend is, and how to reach it: a dev server on loopback in plaintext,
/// or a cloud-style endpoint over TLS with an API key.
public struct TemporalEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var namespace: String
    /// Speak TLS (system trust roots; the host name is checked).
    public var tls: Bool
    /// Sent as `authorization: Bearer <key>` on every call (Temporal Cloud API keys).
    public var apiKey: String?

    public init(host: String, port: Int, namespace: String = "default", tls: Bool = false, apiKey: String? = nil) {
        self.host = host
        self.port = port
        self.namespace = namespace
        self.tls = tls
        self.apiKey = apiKey
    }

    /// Reads `HOST:PORT` (the port defaults to 7233); the error says what is wrong.
    public init(address: String, namespace: String = "default", tls: Bool = false, apiKey: String? = nil) throws(TemporalError) {
        let parts = address.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let host = parts.first, !host.isEmpty, !host.contains("/") else {
            throw TemporalError(code: .badAddress, message: "'\(address)' is not a Temporal address; write HOST:PORT, e.g. 127.0.0.1:7233")
        }
        var port = 7233
        if parts.count == 2 {
            guard let given = Int(parts[1]), (1...65535).contains(given) else {
                throw TemporalError(code: .badAddress, message: "'\(address)': the port must be a number between 1 and 65535")
            }
            port = given
        }
        guard !namespace.isEmpty, namespace.utf8.count <= 255 else {
            throw TemporalError(code: .badAddress, message: "the Temporal namespace must be 1 to 255 characters")
        }
        self.init(host: String(host), port: port, namespace: namespace, tls: tls, apiKey: apiKey)
    }

    /// The address and namespace; never the API key.
    public var description: String { "\(host):\(port) (namespace \(namespace)\(tls ? ", TLS" : ""))" }
}
