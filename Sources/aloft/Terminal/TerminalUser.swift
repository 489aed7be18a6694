import Foundation

/// The person at this terminal, as approvals record who decided: `alice@build-7 (cli)`.
enum TerminalUser {
    static let decider: String = {
        var name = ProcessInfo.processInfo.environment["USER"] ?? ""
        if name.isEmpty, let entry = getpwuid(geteuid()), let login = entry.pointee.pw_name { name = String(cString: login) }
        if name.isEmpty { name = "uid \(geteuid())" }
        return "\(name)@\(ProcessInfo.processInfo.hostName) (cli)"
    }()
}
