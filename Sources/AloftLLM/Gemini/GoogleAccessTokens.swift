import AloftCore
import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// OAuth access tokens for Google Cloud from a credentials file, fetched when first needed and
/// cached until a minute before they expire; callers that ask during a refresh share it. One
/// per credentials file per process (`shared`), so every agent on Vertex AI uses the same token.
public actor GoogleAccessTokens {
    /// Most seconds a token is trusted for, whatever the server says.
    static let maxLifetimeSeconds = 24 * 3600
    /// How long before its expiry a token is replaced.
    static let refreshMarginSeconds = 60

    let credentials: GoogleCredentialsFile
    let client: HTTPClient
    private var cached: (token: String, refreshAt: ContinuousClock.Instant)?
    private var refreshing: Task<(token: String, lifetime: Int), any Error>?

    init(credentials: GoogleCredentialsFile, client: HTTPClient) {
        self.credentials = credentials
        self.client = client
    }

    private static let cache = Mutex<[String: GoogleAccessTokens]>([:])

    /// The process's token source for the credentials file at `path` (read once); `label` says
    /// where the file was configured, for errors.
    static func shared(path: String, label: String, client: HTTPClient) throws -> GoogleAccessTokens {
        if let existing = cache.withLock({ $0[path] }) { return existing }
        let tokens = GoogleAccessTokens(credentials: try GoogleCredentialsFile(path: path, label: label), client: client)
        return cache.withLock { cache in
            if let existing = cache[path] { return existing }
            cache[path] = tokens
            return tokens
        }
    }

    /// The project the credentials belong to, if they say.
    nonisolated var projectId: String? { credentials.projectId }

    /// A valid access token; throws a `ModelError` (`model_authentication_failed` when Google
    /// refuses the credentials, a retryable code when it cannot be reached).
    public func token() async throws -> String {
        let clock = ContinuousClock()
        if let cached, clock.now < cached.refreshAt { return cached.token }
        if let refreshing { return try await refreshing.value.token }
        let task = Task { [credentials, client] in try await Self.fetch(credentials: credentials, client: client) }
        refreshing = task
        defer { refreshing = nil }
        let (token, lifetime) = try await task.value
        cached = (token, clock.now + .seconds(max(0, lifetime - Self.refreshMarginSeconds)))
        return token
    }

    private static func fetch(credentials: GoogleCredentialsFile, client: HTTPClient) async throws -> (token: String, lifetime: Int) {
        var request = HTTPClientRequest(url: credentials.tokenURI)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: try credentials.tokenRequestBody(now: Date())))
        let body: ByteBuffer
        let status: UInt
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            status = response.status.code
            body = try await response.body.collect(upTo: 256 << 10)
        } catch {
            throw ModelError(code: .connection, message: "cannot get an access token from Google's token endpoint", detail: String(describing: error))
        }
        let value = try? JSONValue.parse(String(buffer: body))
        guard (200..<300).contains(status) else {
            let said = [value?["error"]?.stringValue, value?["error_description"]?.stringValue].compactMap { $0?.prefix(300) }.joined(separator: ": ")
            if (400..<500).contains(status) && status != 429 {
                throw ModelError(
                    code: .authentication,
                    message: "Google refused the credentials' token request\(said.isEmpty ? "" : " (\(said))"); check GOOGLE_APPLICATION_CREDENTIALS",
                    statusCode: Int(status)
                )
            }
            throw ModelError(code: status == 429 ? .rateLimited : .serverError, message: "Google's token endpoint answered HTTP \(status)", statusCode: Int(status))
        }
        guard let token = value?["access_token"]?.stringValue, !token.isEmpty, token.utf8.count <= 8192,
            token.utf8.allSatisfy({ (0x21...0x7e).contains($0) })
        else {
            throw ModelError(code: .invalidResponse, message: "Google's token endpoint sent no usable access_token")
        }
        let lifetime = value?["expires_in"].map { $0.integer(in: 1...maxLifetimeSeconds) ?? 0 } ?? 3600
        guard lifetime > 0 else { throw ModelError(code: .invalidResponse, message: "Google's token endpoint sent an expires_in that is not 1 to \(maxLifetimeSeconds) seconds") }
        return (token, lifetime)
    }
}
