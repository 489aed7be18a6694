import AloftCore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Sends one JSON request to a model server and reads the answer as it arrives, under the
/// call's limits: a total deadline and an idle timeout between pieces of the answer, both
/// enforced while the body streams (a server that trickles a byte a second times out).
/// Maps every failure to a `ModelError` whose message is safe to show a client.
struct ModelHTTPTransport: Sendable {
    /// Largest answer read, streamed or whole.
    static let maxResponseBytes = 32 << 20

    let http: ModelHTTPClient
    let limits: ModelCallLimits

    /// Sends a model request and reads the answer: as server-sent events fed to
    /// `accumulator` when `stream` is set, else as one JSON document read by `parseWhole`.
    /// An answer with neither text nor tool calls is a malformed response.
    func exchange<Accumulator: ModelStreamAccumulator>(
        url: String, headers: [(String, String)], body: JSONValue, stream: Bool, accumulator: Accumulator,
        parseWhole: (String) throws -> ModelResponse, onDelta: (String) async throws -> Void
    ) async throws -> ModelResponse {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if stream { request.headers.add(name: "Accept", value: "text/event-stream") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body.jsonText()))
        let host = Self.hostKey(url)
        let response = try await http.limiter.withSlot(host: host, onWaited: { http.onQueued(host, $0) }) {
            try await read(request, stream: stream, accumulator: accumulator, parseWhole: parseWhole, onDelta: onDelta)
        }
        guard !response.text.isEmpty || !response.toolCalls.isEmpty else {
            throw ModelError(code: .invalidResponse, message: "the model server sent an empty answer")
        }
        return response
    }

    private func read<Accumulator: ModelStreamAccumulator>(
        _ request: HTTPClientRequest, stream: Bool, accumulator: Accumulator, parseWhole: (String) throws -> ModelResponse,
        onDelta: (String) async throws -> Void
    ) async throws -> ModelResponse {
        let (chunks, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self)
        let client = http.client
        let limits = limits
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await Self.fetch(request, stream: stream, client: client, limits: limits, into: continuation) }
            defer { group.cancelAll() }
            if stream {
                var parser = ServerSentEventParser()
                var accumulator = accumulator
                var received = 0
                for try await chunk in chunks {
                    received += chunk.readableBytes
                    guard received <= Self.maxResponseBytes else {
                        throw ModelError(code: .invalidResponse, message: "the model server's answer is larger than \(Self.maxResponseBytes >> 20) MiB")
                    }
                    let events: [ServerSentEvent]
                    do throws(ServerSentEventError) { events = try parser.feed(chunk.readableBytesView) } catch { throw ModelError(code: .invalidResponse, message: error.message) }
                    for event in events {
                        for delta in try accumulator.consume(event.data) {
                            try await onDelta(delta)
                        }
                    }
                }
                try Task.checkCancellation()
                let last: ServerSentEvent?
                do throws(ServerSentEventError) { last = try parser.finish() } catch { throw ModelError(code: .invalidResponse, message: error.message) }
                if let last {
                    for delta in try accumulator.consume(last.data) { try await onDelta(delta) }
                }
                return try accumulator.response()
            }
            var data = ByteBuffer()
            for try await var chunk in chunks {
                guard data.readableBytes + chunk.readableBytes <= Self.maxResponseBytes else {
                    throw ModelError(code: .invalidResponse, message: "the model server's answer is larger than \(Self.maxResponseBytes >> 20) MiB")
                }
                data.writeBuffer(&chunk)
            }
            try Task.checkCancellation()
            let response = try parseWhole(String(buffer: data))
            if !response.text.isEmpty { try await onDelta(response.text) }
            return response
        }
    }

    /// Makes the request and yields the body of a 2xx answer, racing a watchdog that ends
    /// it when the total deadline passes or the server stays silent too long.
    private static func fetch(
        _ request: HTTPClientRequest, stream: Bool, client: HTTPClient, limits: ModelCallLimits,
        into continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation
    ) async {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(limits.totalSeconds)
        let lastActivity = LastActivity(clock.now)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    let response = try await client.execute(request, deadline: .now() + .milliseconds(Int64(limits.totalSeconds * 1000)))
                    lastActivity.touch(clock.now)
                    guard (200..<300).contains(response.status.code) else {
                        let bytes = (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer()
                        throw ModelError.http(
                            status: Int(response.status.code), body: String(buffer: bytes),
                            retryAfter: response.headers.first(name: "Retry-After")
                        )
                    }
                    let contentType = response.headers.first(name: "Content-Type")?.lowercased() ?? ""
                    if stream, !contentType.isEmpty, !contentType.contains("text/event-stream") {
                        let bytes = (try? await response.body.collect(upTo: 64 << 10)) ?? ByteBuffer()
                        let said = ModelError.providerMessage(in: String(buffer: bytes)).map { ": \($0)" } ?? ""
                        throw ModelError(
                            code: .invalidResponse,
                            message: "the model server answered \(contentType.prefix(60)) instead of an event stream\(said.prefix(300))"
                        )
                    }
                    for try await chunk in response.body {
                        lastActivity.touch(clock.now)
                        continuation.yield(chunk)
                    }
                }
                group.addTask {
                    while true {
                        let idleEnds = lastActivity.instant + .seconds(limits.idleSeconds)
                        let now = clock.now
                        if now >= deadline {
                            throw ModelError(code: .timeout, message: "the model call took longer than \(format(limits.totalSeconds)) s in all")
                        }
                        if now >= idleEnds {
                            throw ModelError(code: .timeout, message: "the model server sent nothing for \(format(limits.idleSeconds)) s")
                        }
                        try await CancellableTimer.sleep(until: min(idleEnds, deadline), clock: clock)
                    }
                }
                try await group.next()
                group.cancelAll()
            }
            continuation.finish()
        } catch {
            continuation.finish(throwing: classify(error, limits: limits))
        }
    }

    /// `scheme://host:port`: the unit requests are limited by.
    static func hostKey(_ url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host else { return url }
        let scheme = components.scheme?.lowercased() ?? "http"
        return "\(scheme)://\(host.lowercased()):\(components.port ?? (scheme == "https" ? 443 : 80))"
    }

    /// A failure as a `ModelError` a client may read; the library's own words go in `detail`.
    static func classify(_ error: any Error, limits: ModelCallLimits) -> any Error {
        if error is CancellationError || error is ModelError { return error }
        let detail = String(describing: error)
        if let error = error as? HTTPClientError {
            switch error {
            case .cancelled: return CancellationError()
            case .deadlineExceeded, .readTimeout:
                return ModelError(code: .timeout, message: "the model call took longer than \(format(limits.totalSeconds)) s in all", detail: detail)
            case .connectTimeout:
                return ModelError(code: .connection, message: "connecting to the model server timed out", detail: detail)
            case .remoteConnectionClosed:
                return ModelError(code: .connection, message: "the model server closed the connection before answering", detail: detail)
            default: break
            }
        }
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.isEmpty {
                return ModelError(code: .connection, message: "the model server's host name cannot be resolved", detail: detail)
            }
            let refused = error.connectionErrors.contains { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }
            return ModelError(
                code: .connection,
                message: refused ? "the model server refused the connection (is it running, at that address?)" : "cannot connect to the model server",
                detail: detail
            )
        }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED {
            return ModelError(code: .connection, message: "the model server refused the connection (is it running, at that address?)", detail: detail)
        }
        return ModelError(code: .connection, message: "the connection to the model server failed", detail: detail)
    }

    private static func format(_ seconds: Double) -> String {
        seconds.rounded() == seconds && seconds < 1e9 ? String(Int(seconds)) : String(seconds)
    }
}

/// When the model server last sent something, shared by the reader and its watchdog.
private final class LastActivity: Sendable {
    private let value: Mutex<ContinuousClock.Instant>

    init(_ instant: ContinuousClock.Instant) { value = Mutex(instant) }

    var instant: ContinuousClock.Instant { value.withLock { $0 } }

    func touch(_ instant: ContinuousClock.Instant) { value.withLock { $0 = instant } }
}
