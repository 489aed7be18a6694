import AloftA2A
import AloftTools
import Foundation

/// Where push notifications may go: http(s) URLs on public addresses, and hosts on loopback
/// or private networks only when the operator lists them (`push_allowed_hosts`) — a client
/// must not make the server POST into its own network. Checked when a config is created and
/// again before every delivery (a name may resolve elsewhere by then).
struct A2APushTargets: Sendable {
    let allowed: [HostPattern]

    init(allowedHosts: [String]) {
        allowed = allowedHosts.compactMap(HostPattern.init)
    }

    /// Nil when `url` may be used, else why not.
    func problem(with url: String) async -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host?.lowercased(), !host.isEmpty, components.user == nil
        else { return "must be an http:// or https:// URL with a host (and no user name)" }
        if allowed.contains(where: { $0.matches(host: host, port: components.port, scheme: scheme) }) { return nil }
        let refusal = "\(host) is on a loopback, private or link-local network; the operator lists such hosts in push_allowed_hosts"
        if NetworkAddress.isInternalName(host) || NetworkAddress.isInternal(host) == true { return refusal }
        guard let addresses = try? await NetworkAddress.resolve(host) else { return "\(host) cannot be resolved" }
        return addresses.contains { NetworkAddress.isInternal($0) != false } ? refusal : nil
    }
}
