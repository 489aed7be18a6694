import AloftCore
import Foundation
import GRPCCore

/// The checks every field from a gRPC client passes before anything is read or written: a
/// failed one is `INVALID_ARGUMENT` naming the field and what it must be.
enum ExecutionFields {
    static func invalid(_ field: String, _ problem: String) -> RPCError {
        RPCError(code: .invalidArgument, message: "\(field) \(problem)")
    }

    /// A run, session or instance id: 1…200 letters, digits, `_` or `-`.
    static func id(_ value: String, field: String) throws -> String {
        guard !value.isEmpty else { throw invalid(field, "is required") }
        try optionalId(value, field: field)
        return value
    }

    /// An id when given (empty: none).
    @discardableResult
    static func optionalId(_ value: String, field: String) throws -> String? {
        guard !value.isEmpty else { return nil }
        guard value.utf8.count <= 200, value.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-") }) else {
            throw invalid(field, "must be at most 200 letters, digits, '_' or '-'")
        }
        return value
    }

    /// Free text of at most `maxBytes` bytes (empty: none).
    static func text(_ value: String, field: String, maxBytes: Int) throws -> String? {
        guard value.utf8.count <= maxBytes else { throw invalid(field, "must be at most \(maxBytes) bytes") }
        return value.isEmpty ? nil : value
    }

    /// A name people read: at most 200 bytes, no control characters (empty: none).
    static func name(_ value: String, field: String) throws -> String? {
        guard value.utf8.count <= 200 else { throw invalid(field, "must be at most 200 bytes") }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format }) else {
            throw invalid(field, "must not hold control or formatting characters")
        }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// Labels: at most 32, keys of 1…100 letters, digits, `.`, `_`, `-` or `/`, values of at
    /// most 500 bytes.
    static func labels(_ labels: [String: String], field: String) throws -> [String: String] {
        guard labels.count <= 32 else { throw invalid(field, "may hold at most 32 labels") }
        for (key, value) in labels {
            guard !key.isEmpty, key.utf8.count <= 100,
                key.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-/".unicodeScalars.contains($0)) })
            else {
                throw invalid(field, "keys must be 1 to 100 letters, digits, '.', '_', '-' or '/' (\(key.prefix(100).debugDescription) is not)")
            }
            guard value.utf8.count <= 500 else { throw invalid("\(field)[\(key)]", "must be at most 500 bytes") }
        }
        return labels
    }

    /// A page size: 0 means 50, at most 200.
    static func pageSize(_ value: Int32, field: String) throws -> Int {
        guard value >= 0, value <= 200 else { throw invalid(field, "must be between 1 and 200 (0: 50)") }
        return value == 0 ? 50 : Int(value)
    }
}
