import AloftA2A
import AloftCore
import Foundation

/// What Aloft needs from a remote agent's card: where to send JSON-RPC, in which protocol
/// version, and whether it streams. Read from `{url}/.well-known/agent-card.json`: a 1.0
/// JSON-RPC interface is preferred, then a 0.3 one, then 0.3's top-level `url`.
struct A2ARemoteAgent: Sendable, Hashable {
    var name: String
    var endpoint: String
    var version: A2AProtocolVersion
    var streams: Bool

    /// The card's endpoint must be on the origin the agent file names: a card cannot send
    /// the calls (and the headers with their secrets) to another host.
    static func read(card: JSONValue, origin: String) throws -> A2ARemoteAgent {
        var choice: (String, A2AProtocolVersion)?
        let interfaces = (card["supportedInterfaces"]?.arrayValue ?? []).filter { ($0["protocolBinding"]?.stringValue ?? "JSONRPC") == "JSONRPC" }
        for wanted in [A2AProtocolVersion.v1_0, .v0_3] where choice == nil {
            if let match = interfaces.first(where: { interface in
                guard let version = interface["protocolVersion"]?.stringValue else { return false }
                return (try? A2AProtocolVersion.of(header: version)) == wanted && interface["url"]?.stringValue != nil
            }) {
                choice = (match["url"]!.stringValue!, wanted)
            }
        }
        if choice == nil, let url = card["url"]?.stringValue, (card["preferredTransport"]?.stringValue ?? "JSONRPC") == "JSONRPC" {
            choice = (url, .v0_3)
        }
        guard let (endpoint, version) = choice else {
            throw ToolError(code: .failed, message: "the remote agent's card lists no JSON-RPC interface of A2A 1.0 or 0.3")
        }
        guard let target = ToolHTTPTransport.Target(endpoint), target.origin == origin else {
            throw ToolError(code: .notAllowed, message: "the remote agent's card sends calls to \(endpoint.prefix(200)), not to \(origin); refusing")
        }
        return A2ARemoteAgent(
            name: card["name"]?.stringValue ?? "remote agent", endpoint: endpoint, version: version,
            streams: card["capabilities"]?["streaming"] == .bool(true)
        )
    }
}
