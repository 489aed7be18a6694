import ArgumentParser
import AsyncHTTPClient
import Foundation

/// Acting on an Aloft server instead of a local database (as `temporal --address` does).
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: "An Aloft server to act through, e.g. http://127.0.0.1:8080 (default $ALOFT_SERVER; none: the local database).")
    var server: String?

    @Option(name: .long, help: "The server's API key (default $ALOFT_API_KEY).")
    var apiKey: String?

    /// The server's client, when one is named.
    var client: AloftAPIClient? {
        guard var base = server ?? ProcessInfo.processInfo.environment["ALOFT_SERVER"], !base.isEmpty else { return nil }
        while base.hasSuffix("/") { base.removeLast() }
        return AloftAPIClient(baseURL: base, apiKey: apiKey ?? ProcessInfo.processInfo.environment["ALOFT_API_KEY"], client: .shared)
    }

    /// Runs `body` against the server; its errors become a clear line and exit 1.
    @discardableResult
    static func acting<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as APIClientError {
            printError("error: \(error)")
            throw ExitCode(1)
        } catch let error as HTTPClientError {
            printError("error: the server cannot be reached: \(error)")
            throw ExitCode(1)
        }
    }
}
