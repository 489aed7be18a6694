import Foundation

/// Where runs are stored when no `--db`, `ALOFT_DB` or `database:` says: one database per
/// user, whatever the current folder — `$XDG_DATA_HOME/aloft/aloft.db`, else
/// `~/.local/share/aloft/aloft.db` (the XDG base-directory convention).
public enum DefaultDatabaseLocation {
    public static func path(environment: [String: String]) -> String {
        // XDG: a relative XDG_DATA_HOME is invalid and ignored.
        if let data = environment["XDG_DATA_HOME"], data.hasPrefix("/") {
            return (data as NSString).appendingPathComponent("aloft/aloft.db")
        }
        var home = environment["HOME"] ?? ""
        if home.isEmpty, let entry = getpwuid(geteuid()), let directory = entry.pointee.pw_dir { home = String(cString: directory) }
        guard home.hasPrefix("/") else { return ".aloft/aloft.db" }  // no home at all: the current folder
        return (home as NSString).appendingPathComponent(".local/share/aloft/aloft.db")
    }

    /// The path for this process's environment.
    public static var current: String { path(environment: ProcessInfo.processInfo.environment) }
}
