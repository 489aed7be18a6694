import AloftCore
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Makes one engine the owner of a database: an exclusive `flock` on `<database>.lock`.
/// The OS releases it when the process ends, however it ends (even SIGKILL), so a crashed
/// engine never blocks the next one.
public final class EngineLock: Sendable {
    private let descriptor: Int32
    public let path: String

    /// Takes the lock, or returns nil when another live process holds it.
    public static func acquire(database: String) throws -> EngineLock? {
        let path = database + ".lock"
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw EngineError(code: .invalidInput, message: "cannot open lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        return EngineLock(descriptor: descriptor, path: path)
    }

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit {
        _ = ftruncate(descriptor, 0)  // no holder any more
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// Writes into the lock file which runs this process drives (`runs` nil: all of them), so
    /// that other processes can tell a run being driven from one left behind.
    public func record(driving runs: [String]?) {
        var holder: [String: JSONValue] = ["pid": .number(Double(getpid()))]
        holder["runs"] = runs.map { .array($0.map(JSONValue.string)) } ?? .string("all")
        let text = JSONValue.object(holder).jsonText() + "\n"
        _ = ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    /// What the process holding the database's lock drives, when a live one does.
    public enum Holder: Sendable, Hashable {
        case allRuns
        case runs(Set<String>)

        public func drives(_ runId: String) -> Bool {
            switch self {
            case .allRuns: true
            case .runs(let runs): runs.contains(runId)
            }
        }
    }

    /// Reads the lock file of `database` without taking the lock (taking it, even briefly,
    /// could turn away an engine starting at that moment). Nil when no live process holds it.
    public static func holder(database: String) -> Holder? {
        guard let text = try? String(contentsOfFile: database + ".lock", encoding: .utf8), let value = try? JSONValue.parse(text),
            let pid = value["pid"]?.integer(in: 1...Int(Int32.max))
        else { return nil }
        // A process that ended released the lock; its record stays until the next holder writes.
        guard kill(pid_t(pid), 0) == 0 || errno == EPERM else { return nil }
        if case .array(let runs) = value["runs"] ?? .null { return .runs(Set(runs.compactMap(\.stringValue))) }
        return .allRuns
    }
}
