import AloftCore
import Foundation
import NIOSSL
public import PostgresNIO

/// Where a PostgreSQL store is: `postgres://user:password@host:5432/database?sslmode=…`
/// (or `postgresql://`), read into a client configuration. Its description masks the password.
public struct PostgresLocation: Sendable, CustomStringConvertible {
    public var configuration: PostgresClient.Configuration
    /// The same database for one connection of its own (the first check at start).
    let single: PostgresConnection.Configuration
    /// The URL with its password replaced by `***`, for messages and logs.
    public let description: String

    /// Whether `text` names a PostgreSQL database rather than a file.
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(url text: String) throws {
        guard Self.isPostgres(text), let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw StoreError(code: .unavailable, message: "'\(Self.masked(text))' is not a PostgreSQL URL; write postgres://user:password@host:5432/database")
        }
        let port = components.port ?? 5432
        guard (1...65_535).contains(port) else {
            throw StoreError(code: .unavailable, message: "\(Self.masked(text)): the port must be between 1 and 65535")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard let user = components.user, !user.isEmpty else {
            throw StoreError(code: .unavailable, message: "\(Self.masked(text)): name a user (postgres://user:password@host/database)")
        }
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        let singleTLS: PostgresConnection.Configuration.TLS
        do {
            switch mode {
            case "disable":
                tls = .disable
                singleTLS = .disable
            case "prefer", "allow":
                tls = .prefer(.makeClientConfiguration())
                singleTLS = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case "require", "verify-ca", "verify-full":
                tls = .require(.makeClientConfiguration())
                singleTLS = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            default:
                throw StoreError(code: .unavailable, message: "\(Self.masked(text)): sslmode must be disable, prefer or require, not '\(mode)'")
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(code: .unavailable, message: "\(Self.masked(text)): TLS cannot be set up: \(error)")
        }
        let username = user.removingPercentEncoding ?? user
        let password = components.password.map { $0.removingPercentEncoding ?? $0 }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database.isEmpty ? nil : database, tls: tls
        )
        single = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database.isEmpty ? nil : database, tls: singleTLS
        )
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.maximumConnections = 40
        // No `minimumConnections`: postgres-nio 1.x crashes (a precondition in the pool's
        // state machine, when a lease asks for a connection) with a minimum set while the
        // database refuses connections.
        // Every time a connection goes back to the pool, the pool starts its idle and keep-alive
        // timers, and cancels them at the next lease; a cancelled `Task.sleep` holds its task's
        // memory until its deadline. With the defaults (60 s, 30 s) a busy process held the
        // timers of the last minute's queries — tens of MB that grew with the load. A connection
        // idle for 10 s is closed instead, which also makes keep-alive queries pointless.
        configuration.options.connectionIdleTimeout = .seconds(10)
        configuration.options.keepAliveBehavior = nil
        self.configuration = configuration
        description = Self.masked(text)
    }

    /// `text` with the password of its URL (if any) replaced by `***`.
    public static func masked(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? text
    }
}
