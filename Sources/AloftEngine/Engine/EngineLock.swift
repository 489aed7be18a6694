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
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
