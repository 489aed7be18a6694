import Foundation

/// Runs blocking work (starting a server, waiting for a program to end) on a thread of its
/// own, so that it never holds one of the few threads that run every test's async code — a
/// test blocked there for seconds stalls all the others, and their timeouts fire.
public func blockingWork<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}
