import Foundation

/// The lines typed at `aloft chat`, kept across sessions as a shell keeps its history:
/// `$XDG_STATE_HOME/aloft/chat_history`, else `~/.local/state/aloft/chat_history`, readable
/// by its owner only, the last 500 lines.
struct LineHistoryFile {
    let path: String

    static var standard: LineHistoryFile? {
        let environment = ProcessInfo.processInfo.environment
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return LineHistoryFile(path: state + "/aloft/chat_history")
        }
        guard let home = environment["HOME"], home.hasPrefix("/") else { return nil }
        return LineHistoryFile(path: home + "/.local/state/aloft/chat_history")
    }

    func load(limit: Int = 500) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return Array(text.split(separator: "\n").map(String.init).suffix(limit))
    }

    /// Writes the history (a failure only loses history, so it is ignored).
    func save(_ lines: [String]) {
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let text = lines.map { $0.replacingOccurrences(of: "\n", with: " ") }.joined(separator: "\n") + "\n"
        if FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) {
            _ = try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        }
    }
}
