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

    /// Sends a model request and reads the answer: as server-sent events fed to
    /// `accumulator` when `stream` is set, else as one JSON document read by `parseWhole`.
    func exchange<Accumulator: ModelStreamAccumulator>(
        url: String, headers: [(String, String)], body: JSONValue, stream: Bool, accumulator: Accumulator,
        parseWhole: (String) throws -> ModelResponse, onDelta: (String) async throws -> Void
    ) async throws -> ModelResponse {
        if stream {
            var parser = ServerSentEventParser()
            var accumulator = accumulator
            try await post(url: url, headers: headers, body: body) { bytes in
                for event in parser.feed(bytes.readableBytesView) {
                    for delta in try accumulator.consume(event.data) {
                        try await onDelta(delta)
                    }
                }
            }
            return try accumulator.response()
        }
        var data = ByteBuffer()
        try await post(url: url, headers: headers, body: body) { bytes in
            var bytes = bytes
            data.writeBuffer(&bytes)
        }
        let response = try parseWhole(String(buffer: data))
        if !response.text.isEmpty { try await onDelta(response.text) }
        return response
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
