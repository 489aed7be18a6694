import AloftCore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Sends one JSON request to a model server and hands back the body, as bytes arrive.
/// Maps HTTP failures to `ModelError`s.
struct ModelHTTPTransport: Sendable {
    let client: HTTPClient
    let timeoutSeconds: Double

    /// POSTs `body` to `url` and calls `onBytes` with each body chunk of a 2xx response.
    func post(url: String, headers: [(String, String)], body: JSONValue, onBytes: (ByteBuffer) async throws -> Void) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body.jsonText()))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .milliseconds(Int64(timeoutSeconds * 1000)))
        } catch {
            throw Self.classify(error, url: url)
        }
        guard (200..<300).contains(response.status.code) else {
            let bytes = (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer()
            throw ModelError.http(
                status: Int(response.status.code), body: String(buffer: bytes), retryAfter: response.headers.first(name: "Retry-After")
            )
        }
        do {
            for try await chunk in response.body {
                try await onBytes(chunk)
            }
        } catch let error as ModelError {
            throw error
        } catch {
            throw Self.classify(error, url: url)
        }
    }

    static func classify(_ error: any Error, url: String) -> any Error {
        if error is CancellationError { return error }
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
                return ModelError(code: .timeout, message: "no answer from \(url) in time")
            }
            if error == .cancelled { return CancellationError() }
        }
        return ModelError(code: .connection, message: "cannot reach \(url): \(error)")
    }
}
