import AloftCore
import GRPCCore

/// Aloft's typed errors as gRPC statuses, their stable code kept in the message.
enum GRPCErrors {
    static func executionNotFound(_ id: String) -> RPCError {
        RPCError(code: .notFound, message: "no execution \(id)")
    }

    /// A name whose slug another execution of the agent has.
    static func slugTaken(_ error: StoreError) -> RPCError {
        RPCError(code: .alreadyExists, message: "metadata.name: \(error.message); choose another name")
    }

    /// Runs `body`, answering engine and store errors with the status that fits them.
    static func mapped<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as RPCError {
            throw error
        } catch let error as EngineError {
            throw RPCError(code: status(of: error.code), message: "\(error.code.rawValue): \(error.message)")
        } catch let error as StoreError {
            throw RPCError(code: error.code == .conflict ? .aborted : .unavailable, message: "store: \(error.message)")
        } catch is CancellationError {
            throw RPCError(code: .cancelled, message: "cancelled")
        }
    }

    static func status(of code: EngineError.Code) -> RPCError.Code {
        switch code {
        case .runNotFound, .sessionNotFound: .notFound
        case .runFinished, .runNotFinished, .notAwaitingApproval, .notExternal, .invalidReport, .approvalDeadlinePassed, .sessionBusy: .failedPrecondition
        case .storeBusy: .unavailable
        default: .invalidArgument
        }
    }
}
