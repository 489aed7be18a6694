import AloftCore
import Foundation
import GRPCCore

/// The opaque `page_token` of List and ListBySession: the last execution of the previous
/// page, from which the next page goes on (newest first).
enum ExecutionPageToken {
    static func token(after runId: String) -> String {
        Data("v1:\(runId)".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    /// The run the page goes on after, nil for the first page; a token this server did not
    /// make, or one naming a run that is gone, is `INVALID_ARGUMENT`.
    static func runId(_ token: String, field: String, reader: any RunReader) async throws -> String? {
        guard !token.isEmpty else { return nil }
        let padded = token + String(repeating: "=", count: (4 - token.count % 4) % 4)
        guard token.utf8.count <= 400, let data = Data(base64Encoded: padded), let text = String(data: data, encoding: .utf8), text.hasPrefix("v1:"),
            let runId = try? ExecutionFields.optionalId(String(text.dropFirst(3)), field: field)
        else {
            throw ExecutionFields.invalid(field, "is not a page token of this server; pass the next_page_token of the previous response")
        }
        guard try await reader.run(id: runId) != nil else {
            throw ExecutionFields.invalid(field, "names an execution that no longer exists; list again from the first page")
        }
        return runId
    }
}
